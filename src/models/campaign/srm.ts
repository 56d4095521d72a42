/**
 * The sample-ratio-mismatch check: are the arm sizes what the planned shares would give by chance? Pearson's
 * chi-square goodness of fit on the arm counts (Fabijan et al. 2019, "Diagnosing Sample Ratio Mismatch in
 * Online Controlled Experiments"). Pure, no I/O.
 */
import { chiSquareSf } from './stats.ts';
import { grouped } from '../../core/numbers.ts';

/** The threshold below which a mismatch is flagged (a chance of one in a thousand). */
export const SRM_THRESHOLD = 0.001;

export interface SrmArm {
  arm: string;
  customers: number;
  /** the share planned for the arm */
  planned: number;
  /** the share seen */
  observed: number;
  expected: number;
}

export interface SrmCheck {
  arms: SrmArm[];
  chiSquare: number;
  df: number;
  pValue: number;
  /** true when pValue < SRM_THRESHOLD */
  flagged: boolean;
  /** the verdict in words a marketer understands */
  message: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fmtP = (p: number) => (p < 1e-6 ? 'below one in a million' : p < 0.001 ? `about one in ${grouped(Math.round(1 / p))}` : p.toFixed(3));

/** The chi-square check of `counts` against the planned `shares` (normalised to sum to 1). */
export function sampleRatioCheck(arms: readonly string[], counts: readonly number[], shares: readonly number[]): SrmCheck {
  const total = counts.reduce((a, b) => a + b, 0);
  const sum = shares.reduce((a, b) => a + b, 0);
  let chi = 0;
  const out: SrmArm[] = arms.map((arm, i) => {
    const planned = shares[i]! / sum;
    const expected = planned * total;
    if (expected > 0) chi += (counts[i]! - expected) ** 2 / expected;
    return { arm, customers: counts[i]!, planned, observed: total ? counts[i]! / total : 0, expected };
  });
  const df = Math.max(1, arms.length - 1);
  const pValue = total > 0 && arms.length > 1 ? chiSquareSf(chi, df) : 1;
  const flagged = pValue < SRM_THRESHOLD;
  const worst = [...out].sort((a, b) => Math.abs(b.observed - b.planned) - Math.abs(a.observed - a.planned))[0];
  const message = arms.length < 2 || total === 0
    ? 'there is only one arm (or no customers): the split cannot be checked'
    : flagged
      ? `The arm sizes do not match the plan: ${worst!.arm} has ${pct(worst!.observed)} of the customers where ${pct(worst!.planned)} was planned. `
        + `A gap this large happens by chance ${fmtP(pValue)} (chi-square ${chi.toFixed(1)}, p = ${pValue.toExponential(2)}), so the split was probably broken `
        + '(a filter applied to one arm, failed sends, lost tracking or a bad join). Do not trust the lifts until the cause is found.'
      : `The arm sizes match the plan (largest gap: ${worst!.arm} ${pct(worst!.observed)} against ${pct(worst!.planned)} planned; p = ${pValue.toFixed(3)}).`;
  return { arms: out, chiSquare: chi, df, pValue, flagged, message };
}
