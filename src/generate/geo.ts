/**
 * Cities per country with their region, approximate coordinates and a weight (roughly population) for
 * the geographic traits of generated customers.
 */

export interface City {
  name: string;
  region: string;
  lat: number;
  lon: number;
  weight: number;
}

export interface Country {
  name: string;
  cities: readonly City[];
}

const c = (name: string, region: string, lat: number, lon: number, weight: number): City => ({ name, region, lat, lon, weight });

export const COUNTRIES: Readonly<Record<string, Country>> = {
  GB: {
    name: 'United Kingdom',
    cities: [
      c('London', 'England', 51.5074, -0.1278, 9), c('Birmingham', 'England', 52.4862, -1.8904, 2.5), c('Manchester', 'England', 53.4808, -2.2426, 2.5),
      c('Leeds', 'England', 53.8008, -1.5491, 1.8), c('Bristol', 'England', 51.4545, -2.5879, 1.2), c('Glasgow', 'Scotland', 55.8642, -4.2518, 1.6),
      c('Edinburgh', 'Scotland', 55.9533, -3.1883, 1.2), c('Cardiff', 'Wales', 51.4816, -3.1791, 1), c('Belfast', 'Northern Ireland', 54.5973, -5.9301, 0.9),
    ],
  },
  IE: {
    name: 'Ireland',
    cities: [
      c('Dublin', 'Leinster', 53.3498, -6.2603, 5), c('Cork', 'Munster', 51.8985, -8.4756, 1.5), c('Galway', 'Connacht', 53.2707, -9.0568, 0.8),
      c('Limerick', 'Munster', 52.6638, -8.6267, 0.7), c('Waterford', 'Munster', 52.2593, -7.1101, 0.4),
    ],
  },
  FR: {
    name: 'France',
    cities: [
      c('Paris', 'Île-de-France', 48.8566, 2.3522, 6), c('Marseille', "Provence-Alpes-Côte d'Azur", 43.2965, 5.3698, 2), c('Lyon', 'Auvergne-Rhône-Alpes', 45.764, 4.8357, 2),
      c('Toulouse', 'Occitanie', 43.6047, 1.4442, 1.5), c('Lille', 'Hauts-de-France', 50.6292, 3.0573, 1.2), c('Bordeaux', 'Nouvelle-Aquitaine', 44.8378, -0.5792, 1.2),
      c('Nantes', 'Pays de la Loire', 47.2184, -1.5536, 1),
    ],
  },
  DE: {
    name: 'Germany',
    cities: [
      c('Berlin', 'Berlin', 52.52, 13.405, 4), c('Hamburg', 'Hamburg', 53.5511, 9.9937, 2), c('Munich', 'Bavaria', 48.1351, 11.582, 2),
      c('Cologne', 'North Rhine-Westphalia', 50.9375, 6.9603, 1.5), c('Frankfurt', 'Hesse', 50.1109, 8.6821, 1.2), c('Stuttgart', 'Baden-Württemberg', 48.7758, 9.1829, 1),
      c('Leipzig', 'Saxony', 51.3397, 12.3731, 0.8),
    ],
  },
  NL: {
    name: 'Netherlands',
    cities: [
      c('Amsterdam', 'North Holland', 52.3676, 4.9041, 3), c('Rotterdam', 'South Holland', 51.9244, 4.4777, 2), c('The Hague', 'South Holland', 52.0705, 4.3007, 1.5),
      c('Utrecht', 'Utrecht', 52.0907, 5.1214, 1.2), c('Eindhoven', 'North Brabant', 51.4416, 5.4697, 1),
    ],
  },
  ES: {
    name: 'Spain',
    cities: [
      c('Madrid', 'Community of Madrid', 40.4168, -3.7038, 4), c('Barcelona', 'Catalonia', 41.3874, 2.1686, 3), c('Valencia', 'Valencian Community', 39.4699, -0.3763, 1.5),
      c('Seville', 'Andalusia', 37.3891, -5.9845, 1.3), c('Málaga', 'Andalusia', 36.7213, -4.4214, 1), c('Bilbao', 'Basque Country', 43.263, -2.935, 0.8),
    ],
  },
  IT: {
    name: 'Italy',
    cities: [
      c('Rome', 'Lazio', 41.9028, 12.4964, 3), c('Milan', 'Lombardy', 45.4642, 9.19, 3), c('Naples', 'Campania', 40.8518, 14.2681, 2),
      c('Turin', 'Piedmont', 45.0703, 7.6869, 1.5), c('Bologna', 'Emilia-Romagna', 44.4949, 11.3426, 1), c('Florence', 'Tuscany', 43.7696, 11.2558, 0.8),
    ],
  },
  US: {
    name: 'United States',
    cities: [
      c('New York', 'New York', 40.7128, -74.006, 8), c('Los Angeles', 'California', 34.0522, -118.2437, 4), c('Chicago', 'Illinois', 41.8781, -87.6298, 3),
      c('Houston', 'Texas', 29.7604, -95.3698, 2.5), c('Phoenix', 'Arizona', 33.4484, -112.074, 1.8), c('Philadelphia', 'Pennsylvania', 39.9526, -75.1652, 1.7),
      c('San Antonio', 'Texas', 29.4241, -98.4936, 1.5), c('Dallas', 'Texas', 32.7767, -96.797, 1.4), c('Seattle', 'Washington', 47.6062, -122.3321, 1),
      c('Denver', 'Colorado', 39.7392, -104.9903, 1), c('Atlanta', 'Georgia', 33.749, -84.388, 1), c('Miami', 'Florida', 25.7617, -80.1918, 1),
    ],
  },
};
