/**
 * Customers drawn from the BG/NBD and Gamma-Gamma generative stories (Fader, Hardie & Lee 2005): λ ~
 * Gamma(r, 1/α), drop-out chance p ~ Beta(a, b) after each repeat purchase, Poisson purchases at rate λ while
 * alive; each purchase's value ~ Gamma(p_s, 1/ν) with ν ~ Gamma(q, 1/γ). Seeded; for parameter-recovery
 * tests and the benchmark.
 */
import { Random } from '../random.ts';
import type { BgNbdParams } from './bgnbd.ts';
import type { GammaGammaParams } from './gamma-gamma.ts';

export interface SimulatedCustomers {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  /** mean value of the repeat purchases (0 without repeats) */
  zbar: Float64Array;
  /** with `events`: every purchase (the first included) as customer index, day before the end of calibration, value */
  events?: { customer: Int32Array; daysBeforeEnd: Int32Array; value: Float64Array };
}

/**
 * `n` customers whose first purchase falls on a whole day of the `maxT` periods before the end of
 * calibration (`daysPerPeriod` days each), so T and t_x come in steps of a day as a real summary's do.
 */
export function simulateBgNbd(n: number, p: BgNbdParams, spend: GammaGammaParams, o: { seed: number; maxT: number; daysPerPeriod?: number; events?: boolean }): SimulatedCustomers {
  const rng = new Random(o.seed);
  const dpp = o.daysPerPeriod ?? 7;
  const out: SimulatedCustomers = { x: new Float64Array(n), tx: new Float64Array(n), T: new Float64Array(n), zbar: new Float64Array(n) };
  const ev = o.events ? { customer: [] as number[], days: [] as number[], value: [] as number[] } : undefined;
  for (let i = 0; i < n; i++) {
    const Tdays = rng.int(1, Math.round(o.maxT * dpp));
    const T = Tdays / dpp;
    const lambda = rng.gamma(p.r, 1 / p.alpha);
    const drop = rng.beta(p.a, p.b);
    const nu = rng.gamma(spend.q, 1 / spend.gamma);
    let t = 0;
    let x = 0;
    let last = 0;
    let sum = 0;
    if (ev) {
      // the first purchase's value is drawn like the others (the summary leaves it out of z̄)
      ev.customer.push(i);
      ev.days.push(Tdays);
      ev.value.push(rng.gamma(spend.p, 1 / nu));
    }
    for (;;) {
      t += rng.exponential(lambda);
      if (t > T) break;
      x++;
      // purchases are counted per day, as the summary counts them
      last = Math.floor(t * dpp) / dpp;
      const z = rng.gamma(spend.p, 1 / nu);
      sum += z;
      if (ev) {
        ev.customer.push(i);
        ev.days.push(Tdays - Math.round(last * dpp));
        ev.value.push(z);
      }
      if (rng.next() < drop) break;
    }
    out.x[i] = x;
    out.tx[i] = last;
    out.T[i] = T;
    out.zbar[i] = x > 0 ? sum / x : 0;
  }
  if (ev) out.events = { customer: Int32Array.from(ev.customer), daysBeforeEnd: Int32Array.from(ev.days), value: Float64Array.from(ev.value) };
  return out;
}
