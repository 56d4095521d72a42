/**
 * Cluster profiles in the units the analyst knows: size and share, per feature the cluster's mean and
 * median and its z-score against the whole population ((cluster mean − population mean) / population
 * sd), the traits that most set the cluster apart (|z| ≥ 0.5, largest first), a generated name, a
 * one-paragraph persona, and the five segment criteria (Kotler: measurable, substantial, differentiable,
 * accessible, actionable) made concrete.
 */
import { presentCount, presentValues, quantileOf, quantilesOf, quantileSelect } from './quantile.ts';
import { meanSd, type RawFigures } from './preprocess.ts';
import { grouped } from '../../core/numbers.ts';

export interface ProfileColumn {
  name: string;
  /** original units, one value per clustered row (NaN = missing, left out of the means) */
  values: Float64Array;
}

export interface FeatureProfile {
  feature: string;
  mean: number;
  median: number;
  populationMean: number;
  populationMedian: number;
  /** (cluster mean − population mean) / population standard deviation; 0 for a constant feature */
  z: number;
  /**
   * (cluster median − population median) / the population's robust spread (IQR / 1.349, else 1.4826 × MAD,
   * else the sd); 0 for a constant feature. The persona's wording ("about average", "lower …") follows it
   * as well as z, so a skewed feature is not called average when most of the cluster sits far below.
   */
  robustZ: number;
}

/** A categorical feature in a cluster (k-prototypes): its most frequent value and that value's share of the members. */
export interface CategoryProfile {
  feature: string;
  /** the most frequent value ("(missing)" for missing values; ties to the first in sort order) */
  mode: string;
  share: number;
  /** the value's share among all clustered customers */
  populationShare: number;
}

export interface Trait {
  feature: string;
  z: number;
  direction: 'high' | 'low';
  /** e.g. "high-spend" */
  words: string;
}

export interface SegmentCriteria {
  /** customers and share of all clustered customers */
  measurable: { customers: number; share: number };
  /** share of revenue, when a revenue column is known */
  substantial: { revenueShare: number | null };
  /** mean silhouette of the members (on the sample) and distance to the nearest other centroid (scaled units) */
  differentiable: { silhouette: number | null; nearestCentroidDistance: number | null };
  /** share of members with contact data, when known */
  accessible: { shareWithContact: number | null };
  /** left to the user's notes */
  actionable: { notes: string | null };
}

export interface ClusterProfile {
  cluster: number;
  name: string;
  customers: number;
  share: number;
  features: FeatureProfile[];
  /** k-prototypes: each categorical feature's most frequent value in the cluster */
  categories?: CategoryProfile[];
  traits: Trait[];
  persona: string;
  criteria: SegmentCriteria;
}

export interface ProfileOptions {
  revenue?: Float64Array;
  hasContact?: ArrayLike<boolean | number>;
  /** per cluster mean silhouette */
  silhouette?: ArrayLike<number>;
  /** per cluster distance to the nearest other centroid */
  separation?: ArrayLike<number>;
  /** |z| from which a feature is a trait (default 0.5) */
  traitZ?: number;
  /** categorical features (one value per clustered row, null = missing): each cluster's most frequent value and its share */
  categorical?: readonly { name: string; values: readonly (string | null)[] }[];
  /**
   * per column, figures of its present values already known (preprocess.ts `raw`, of these very values): their count
   * and median, and `meanSd`'s mean and sd when given — taken instead of computed again (the same numbers)
   */
  known?: readonly (RawFigures | undefined)[];
}

/** Words for a feature that is high or low, by its name; a generic "high x" otherwise. */
const VOCABULARY: readonly [RegExp, string, string][] = [
  [/recen/i, 'lapsed', 'recent'],
  [/cash_?advance/i, 'cash-advance', 'no-cash-advance'],
  [/oneoff/i, 'one-off', 'few-one-off'],
  [/installment/i, 'instalment', 'few-instalment'],
  [/frequen|orders|visits|trx/i, 'frequent', 'occasional'],
  [/monetary|spend|revenue|purchases|amount|value/i, 'high-spend', 'low-spend'],
  [/income|salary/i, 'high-income', 'low-income'],
  [/\bage\b|^age/i, 'older', 'younger'],
  [/balance/i, 'high-balance', 'low-balance'],
  [/credit_?limit|limit/i, 'high-limit', 'low-limit'],
  [/full_?payment/i, 'full-paying', 'revolving'],
  [/payment/i, 'big-paying', 'small-paying'],
  [/tenure|length/i, 'long-standing', 'newer'],
  [/return/i, 'returning', 'rarely-returning'],
  [/periodic/i, 'irregular', 'regular'],
  [/score/i, 'high-scoring', 'low-scoring'],
];

export function humanize(name: string): string {
  return name.replace(/[_\s]+/g, ' ').replace(/\bk\b$/i, '').trim().toLowerCase();
}

export function traitWords(feature: string, direction: 'high' | 'low'): string {
  // a department or category share: "produce lovers" (the grocery literature's wording)
  const share = /^(.+?)_(?:price_adjusted_)?share$/i.exec(feature);
  if (share) return direction === 'high' ? `${humanize(share[1]!)} lovers` : `little ${humanize(share[1]!)}`;
  const v = VOCABULARY.find(([re]) => re.test(feature));
  if (v) return direction === 'high' ? v[1] : v[2];
  return `${direction} ${humanize(feature)}`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function nounFor(features: readonly string[]): string {
  return features.some((f) => /recen|frequen|monetary|orders/i.test(f)) ? 'buyers' : 'customers';
}

/** A name from the top traits: "High-spend frequent buyers", "Average customers". */
export function nameFromTraits(traits: readonly Trait[], features: readonly string[]): string {
  const noun = nounFor(features);
  if (traits.length === 0) return `Average ${noun}`;
  if (traits[0]!.words.endsWith(' lovers')) return capitalise(traits[0]!.words);
  // the two strongest traits with different words, in the order the features were given ("High-income low-spend")
  const top = traits.filter((t, i) => traits.findIndex((u) => u.words === t.words) === i).slice(0, 2), order = (t: Trait) => features.indexOf(t.feature);
  const words = [...top].sort((a, b) => order(a) - order(b)).map((t) => t.words);
  // generic words ("high spending score") read better joined by a comma
  const generic = words.some((w) => w.includes(' '));
  return capitalise(generic ? `${words.join(', ')} ${noun}` : `${words.join(' ')} ${noun}`);
}

const fmt = (x: number) =>
  Math.abs(x) >= 1000 ? grouped(Math.round(x)) : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);

/** Profiles of k clusters over the rows' original values. */
export function profileClusters(columns: readonly ProfileColumn[], labels: Int32Array, k: number, options: ProfileOptions = {}): ClusterProfile[] {
  const staged = profileClustersStaged(columns, labels, k, options);
  for (const step of staged.steps) step();
  return staged.profiles;
}

/**
 * `profileClusters` in two parts: the profiles with their names (which the means and standard deviations decide)
 * at once, and `steps` that, run in order, fill in the medians, the robust z-scores and the personas — the same
 * profiles in the end, so that a caller can write the named assignment while the medians are computed.
 */
export function profileClustersStaged(columns: readonly ProfileColumn[], labels: Int32Array, k: number, options: ProfileOptions = {}): { profiles: ClusterProfile[]; steps: (() => void)[] } {
  const n = labels.length, traitZ = options.traitZ ?? 0.5;
  const sizes = new Float64Array(k);
  for (const l of labels) sizes[l]!++;
  const pop = columns.map((c, j) => {
    const known = options.known?.[j];
    // the present values: the column itself when none is missing (the quantiles leave it as it is)
    const m = known ? known.present : presentCount(c.values);
    if (!m) return { m, present: c.values, mean: 0, sd: 0, median: 0, spread: 0, knownMedian: undefined };
    const present = m === c.values.length ? c.values : presentValues(c.values);
    const { mean, sd } = known?.mean !== undefined && known.sd !== undefined ? { mean: known.mean, sd: known.sd } : meanSd(present);
    return { m, present, mean, sd, median: NaN, spread: NaN, knownMedian: known?.median };
  });
  let totalRevenue = 0;
  const revenue = new Float64Array(k);
  if (options.revenue) for (let i = 0; i < n; i++) { const r = options.revenue[i]!; if (Number.isFinite(r)) { revenue[labels[i]!]! += r; totalRevenue += r; } }
  const contact = new Float64Array(k);
  if (options.hasContact) for (let i = 0; i < n; i++) if (options.hasContact[i]) contact[labels[i]!]!++;
  // the rows of each cluster, in row order: cluster c's are order[start[c] .. start[c + 1])
  const start = new Int32Array(k + 1);
  for (let c = 0; c < k; c++) start[c + 1] = start[c]! + sizes[c]!;
  const order = new Int32Array(n), fill = start.slice(0, k);
  for (let i = 0; i < n; i++) order[fill[labels[i]!]!++] = i;
  const scratch = new Float64Array(n);
  // cluster c's present values of column j into scratch; their count
  const gather = (c: number, j: number) => {
    const rows = order.subarray(start[c]!, start[c + 1]!), v = columns[j]!.values;
    let m = 0;
    for (let t = 0; t < rows.length; t++) { const x = v[rows[t]!]!; if (!Number.isNaN(x)) scratch[m++] = x; }
    return m;
  };
  const featureNames = columns.map((c) => c.name);
  const sums = clusterSums(columns, labels, k);
  const profiles = Array.from({ length: k }, (_, c): ClusterProfile => {
    const rows = order.subarray(start[c]!, start[c + 1]!);
    // medians, population medians and robust z-scores: placeholders in their places, filled by the steps
    const features = columns.map((col, j): FeatureProfile => {
      const p = pop[j]!;
      let mean: number;
      if (sums) {
        const m = sums.counts[j * k + c]!;
        mean = m ? sums.sums[j * k + c]! / m : p.mean;
      } else {
        const m = gather(c, j);
        mean = m ? meanSd(scratch.subarray(0, m)).mean : p.mean;
      }
      return { feature: col.name, mean, median: NaN, populationMean: p.mean, populationMedian: NaN, z: p.sd > 0 ? (mean - p.mean) / p.sd : 0, robustZ: 0 };
    });
    const categories = options.categorical?.map((col): CategoryProfile => {
      const counts = new Map<string, number>();
      for (const i of rows) { const v = col.values[i] ?? '(missing)'; counts.set(v, (counts.get(v) ?? 0) + 1); }
      const [mode, count] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0] ?? ['(missing)', 0];
      let all = 0;
      for (let i = 0; i < n; i++) if ((col.values[i] ?? '(missing)') === mode) all++;
      return { feature: col.name, mode, share: rows.length ? count / rows.length : 0, populationShare: n ? all / n : 0 };
    });
    const traits: Trait[] = features.filter((f) => Math.abs(f.z) >= traitZ).sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || a.feature.localeCompare(b.feature))
      .map((f) => { const direction = f.z > 0 ? 'high' : 'low'; return { feature: f.feature, z: f.z, direction, words: traitWords(f.feature, direction) }; });
    const share = sizes[c]! / n;
    const revenueShare = options.revenue && totalRevenue !== 0 ? revenue[c]! / totalRevenue : null;
    return {
      cluster: c, name: nameFromTraits(traits, featureNames), customers: sizes[c]!, share, features, ...(categories ? { categories } : {}), traits, persona: '',
      criteria: {
        measurable: { customers: sizes[c]!, share },
        substantial: { revenueShare },
        differentiable: { silhouette: options.silhouette ? options.silhouette[c]! : null, nearestCentroidDistance: options.separation ? options.separation[c]! : null },
        accessible: { shareWithContact: options.hasContact ? contact[c]! / Math.max(1, sizes[c]!) : null },
        actionable: { notes: null },
      },
    };
  });
  // Two clusters with the same name: the one further down gets its next trait, else a number.
  const seen = new Map<string, number>();
  for (const p of profiles) {
    if (seen.has(p.name) && p.traits.length > 2) p.name = nameFromTraits([p.traits[0]!, p.traits[2]!], featureNames);
    const times = (seen.get(p.name) ?? 0) + 1;
    seen.set(p.name, times);
    if (times > 1) p.name = `${p.name} ${times}`;
  }
  const steps: (() => void)[] = [
    // the population's median and robust spread (IQR / 1.349, else 1.4826 × MAD, else the sd)
    () => pop.forEach((p) => {
      if (!p.m) return;
      // the median when known (the same order statistics), the quartiles here
      const [median, q3, q1] = (p.knownMedian !== undefined ? [p.knownMedian, ...quantilesOf(p.present, [0.75, 0.25], p.m)] : quantilesOf(p.present, [0.5, 0.75, 0.25], p.m)) as [number, number, number];
      const iqr = q3 - q1;
      const mad = iqr > 0 ? 0 : quantileSelect(Float64Array.from(p.present, (x) => Math.abs(x - median)), 0.5);
      p.median = median;
      p.spread = iqr > 0 ? iqr / 1.349 : mad > 0 ? 1.4826 * mad : p.sd;
    }),
    // each cluster's medians
    ...profiles.map((prof, c) => () => prof.features.forEach((f, j) => {
      const m = gather(c, j), p = pop[j]!;
      const median = m ? quantileOf(scratch.subarray(0, m), 0.5, m) : p.median;
      f.median = median;
      f.populationMedian = p.median;
      f.robustZ = p.spread > 0 ? (median - p.median) / p.spread : 0;
    })),
    () => { for (const p of profiles) p.persona = persona(p); },
  ];
  return { profiles, steps };
}

/** Below this magnitude meanSd's squared deviations cannot overflow, so its mean is the plain sum over the count. */
const PLAIN_MAX = 1e100;

/**
 * Each cluster's sum and count of each column's present values (j · k + c), in one pass over the rows in row order:
 * the sums meanSd takes of a cluster's values gathered in row order, so sum / count is its mean (its plain branch,
 * which it returns when every |value| < PLAIN_MAX); null when a value is not below that (then meanSd itself).
 */
function clusterSums(columns: readonly ProfileColumn[], labels: Int32Array, k: number): { sums: Float64Array; counts: Float64Array } | null {
  const n = labels.length, sums = new Float64Array(columns.length * k), counts = new Float64Array(columns.length * k);
  for (let j = 0; j < columns.length; j++) {
    const v = columns[j]!.values, o = j * k;
    for (let i = 0; i < n; i++) {
      const x = v[i]!;
      if (x !== x) continue;
      if (!(Math.abs(x) < PLAIN_MAX)) return null;
      const q = o + labels[i]!;
      sums[q]! += x;
      counts[q]!++;
    }
  }
  return { sums, counts };
}

function persona(p: ClusterProfile): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const first = `${p.name}: ${grouped(p.customers)} customers (${pct(p.share)} of all${p.criteria.substantial.revenueShare === null ? '' : `, ${pct(p.criteria.substantial.revenueShare)} of revenue`}).`;
  const cats = (p.categories ?? []).map((c) => `${humanize(c.feature)} is mostly ${c.mode} (${pct(c.share)}, against ${pct(c.populationShare)} of all customers)`);
  const catSentence = cats.length ? `Their ${cats.join('; their ')}.` : '';
  // the median against the overall median: a skewed feature's mean can sit near the overall mean while most of the cluster is far below it
  const medians = (f: FeatureProfile) => `median ${fmt(f.median)} against ${fmt(f.populationMedian)} overall; mean ${fmt(f.mean)} against ${fmt(f.populationMean)}`;
  const typical = p.features.filter((f) => Math.abs(f.z) < 0.25 && Math.abs(f.robustZ) < 0.25).map((f) => humanize(f.feature));
  const traitNames = new Set(p.traits.map((t) => t.feature));
  const skewed = p.features.filter((f) => !traitNames.has(f.feature) && Math.abs(f.robustZ) >= 0.5)
    .sort((a, b) => Math.abs(b.robustZ) - Math.abs(a.robustZ)).slice(0, 3)
    .map((f) => `${f.robustZ > 0 ? 'higher' : 'lower'} ${humanize(f.feature)} (${medians(f)})`);
  const typicalSentence = typical.length ? `Their ${typical.join(', ')} ${typical.length === 1 ? 'is' : 'are'} about average.` : '';
  const skewedSentence = skewed.length ? `The typical member has ${skewed.join(', ')}.` : '';
  if (p.traits.length === 0) {
    return [first, skewed.length ? skewedSentence : typical.length === p.features.length ? 'They are close to the average customer on every feature.' : typicalSentence, skewed.length ? typicalSentence : '', catSentence].filter(Boolean).join(' ');
  }
  const say = (t: Trait) => {
    const f = p.features.find((x) => x.feature === t.feature)!;
    const strength = Math.abs(t.z) >= 1.5 ? 'much ' : Math.abs(t.z) < 1 ? 'somewhat ' : '';
    return `${strength}${t.direction === 'high' ? 'higher' : 'lower'} ${humanize(t.feature)} (${medians(f)})`;
  };
  const [head, ...rest] = p.traits.slice(0, 4);
  return [
    first,
    `Compared with the average customer they have ${say(head!)}${rest.length ? `, and ${rest.map(say).join(', ')}` : ''}.`,
    skewedSentence,
    typicalSentence,
    catSentence,
  ].filter(Boolean).join(' ');
}
