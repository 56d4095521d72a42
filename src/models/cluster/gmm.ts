/**
 * Gaussian mixture by expectation-maximisation (Dempster, Laird & Rubin 1977), with full or diagonal
 * covariance matrices, as scikit-learn's GaussianMixture: initial responsibilities from k-means labels,
 * `regCovar` added to every variance, convergence when the mean log-likelihood per row changes by less
 * than `tol`, then a last E-step so that the labels (most probable component) and the membership
 * probabilities match the returned parameters. BIC = −2 log L + p ln n, p = k − 1 + k·d + k·d(d + 1)/2 (full)
 * or k − 1 + 2·k·d (diagonal) (Schwarz 1978): the soft, latent-class style segmentation, and its k by BIC.
 */
import { SegmintError } from '../../core/errors.ts';
import { fitKMeans } from './kmeans.ts';

export type Covariance = 'full' | 'diag';

export interface GmmParams {
  k: number;
  covariance?: Covariance;
  seed?: number;
  maxIter?: number;
  tol?: number;
  regCovar?: number;
  /** start from these parameters instead of k-means (covariances k × d × d, or k × d for diag) */
  init?: { weights: ArrayLike<number>; means: ArrayLike<number>; covariances: ArrayLike<number> };
}

export interface GmmFit {
  k: number;
  d: number;
  covariance: Covariance;
  weights: Float64Array;
  /** k × d */
  means: Float64Array;
  /** k × d × d (full) or k × d (diag) */
  covariances: Float64Array;
  /** most probable component of each row */
  labels: Int32Array;
  /** n × k membership probabilities */
  probabilities: Float64Array;
  /** total log-likelihood of the rows under the returned parameters */
  logLikelihood: number;
  bic: number;
  iterations: number;
  converged: boolean;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Lower Cholesky factor of a d × d SPD matrix (row-major); throws when not positive definite. */
function cholesky(S: Float64Array, off: number, d: number, L: Float64Array): void {
  L.fill(0);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = S[off + i * d + j]!;
      for (let t = 0; t < j; t++) s -= L[i * d + t]! * L[j * d + t]!;
      if (i === j) {
        if (!(s > 0)) throw new SegmintError('singular-covariance', 'a mixture component has a singular covariance matrix', { hint: 'use covariance diag, fewer components, or more regularisation (regCovar)' });
        L[i * d + i] = Math.sqrt(s);
      } else L[i * d + j] = s / L[j * d + j]!;
    }
  }
}

/** Per row and component: log w_c + log N(x | μ_c, Σ_c), into logp (n × k). */
function logDensities(X: Float64Array, d: number, k: number, cov: Covariance, w: Float64Array, mu: Float64Array, S: Float64Array, logp: Float64Array): void {
  const n = X.length / d;
  const L = new Float64Array(d * d), z = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    const lw = Math.log(w[c]!);
    if (cov === 'full') {
      cholesky(S, c * d * d, d, L);
      let logDet = 0;
      for (let j = 0; j < d; j++) logDet += 2 * Math.log(L[j * d + j]!);
      const base = lw - 0.5 * (d * LOG_2PI + logDet);
      for (let i = 0; i < n; i++) {
        // solve L z = x − μ; the Mahalanobis distance is |z|²
        let q = 0;
        for (let j = 0; j < d; j++) {
          let s = X[i * d + j]! - mu[c * d + j]!;
          for (let t = 0; t < j; t++) s -= L[j * d + t]! * z[t]!;
          z[j] = s / L[j * d + j]!;
          q += z[j]! * z[j]!;
        }
        logp[i * k + c] = base - 0.5 * q;
      }
    } else {
      let logDet = 0;
      for (let j = 0; j < d; j++) logDet += Math.log(S[c * d + j]!);
      const base = lw - 0.5 * (d * LOG_2PI + logDet);
      for (let i = 0; i < n; i++) {
        let q = 0;
        for (let j = 0; j < d; j++) { const e = X[i * d + j]! - mu[c * d + j]!; q += (e * e) / S[c * d + j]!; }
        logp[i * k + c] = base - 0.5 * q;
      }
    }
  }
}

/** E-step: responsibilities (in place of logp, as probabilities) and the total log-likelihood. */
function eStep(X: Float64Array, d: number, k: number, cov: Covariance, w: Float64Array, mu: Float64Array, S: Float64Array, resp: Float64Array): number {
  const n = X.length / d;
  logDensities(X, d, k, cov, w, mu, S, resp);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) if (resp[i * k + c]! > m) m = resp[i * k + c]!;
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(resp[i * k + c]! - m);
    const lse = m + Math.log(s);
    total += lse;
    for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(resp[i * k + c]! - lse);
  }
  return total;
}

/** M-step from responsibilities (scikit-learn's estimators, with regCovar on the diagonal). */
function mStep(X: Float64Array, d: number, k: number, cov: Covariance, resp: Float64Array, reg: number, w: Float64Array, mu: Float64Array, S: Float64Array): void {
  const n = X.length / d;
  const nk = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) nk[c]! += resp[i * k + c]!;
  // scikit-learn adds 10·eps to every component's weight mass
  for (let c = 0; c < k; c++) nk[c]! += 10 * Number.EPSILON;
  mu.fill(0);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) { const r = resp[i * k + c]!; if (r !== 0) for (let j = 0; j < d; j++) mu[c * d + j]! += r * X[i * d + j]!; }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) mu[c * d + j]! /= nk[c]!;
  S.fill(0);
  if (cov === 'full') {
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) {
      const r = resp[i * k + c]!;
      if (r === 0) continue;
      for (let a = 0; a < d; a++) {
        const ea = X[i * d + a]! - mu[c * d + a]!;
        for (let b = 0; b <= a; b++) S[c * d * d + a * d + b]! += r * ea * (X[i * d + b]! - mu[c * d + b]!);
      }
    }
    for (let c = 0; c < k; c++) for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) {
      const v = S[c * d * d + a * d + b]! / nk[c]! + (a === b ? reg : 0);
      S[c * d * d + a * d + b] = v; S[c * d * d + b * d + a] = v;
    }
  } else {
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) {
      const r = resp[i * k + c]!;
      if (r !== 0) for (let j = 0; j < d; j++) { const e = X[i * d + j]! - mu[c * d + j]!; S[c * d + j]! += r * e * e; }
    }
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) S[c * d + j] = S[c * d + j]! / nk[c]! + reg;
  }
  for (let c = 0; c < k; c++) w[c] = nk[c]! / n;
}

/** Fit a Gaussian mixture; `invalid-k` for k outside 1..n, `singular-covariance` when a component collapses. */
export function fitGaussianMixture(X: Float64Array, d: number, params: GmmParams): GmmFit {
  const { k } = params;
  const cov = params.covariance ?? 'full', maxIter = params.maxIter ?? 100, tol = params.tol ?? 1e-3, reg = params.regCovar ?? 1e-6;
  const n = X.length / d;
  if (cov !== 'full' && cov !== 'diag') throw new SegmintError('invalid-option', `covariance ${String(cov)}: expected full or diag`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new SegmintError('invalid-k', `k ${k}: expected a whole number from 1 to the ${n} rows`);
  const w = new Float64Array(k), mu = new Float64Array(k * d), S = new Float64Array(cov === 'full' ? k * d * d : k * d);
  const resp = new Float64Array(n * k);
  if (params.init) {
    w.set(params.init.weights); mu.set(params.init.means); S.set(params.init.covariances);
  } else {
    const km = fitKMeans(X, d, { k, seed: params.seed ?? 0, nInit: 1 });
    for (let i = 0; i < n; i++) resp[i * k + km.labels[i]!] = 1;
    mStep(X, d, k, cov, resp, reg, w, mu, S);
  }
  let lower = -Infinity, iterations = 0, converged = false;
  for (; iterations < maxIter; ) {
    iterations++;
    const ll = eStep(X, d, k, cov, w, mu, S, resp) / n;
    mStep(X, d, k, cov, resp, reg, w, mu, S);
    const change = ll - lower;
    lower = ll;
    if (Math.abs(change) < tol) { converged = true; break; }
  }
  const logLikelihood = eStep(X, d, k, cov, w, mu, S, resp);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) { let b = 0; for (let c = 1; c < k; c++) if (resp[i * k + c]! > resp[i * k + b]!) b = c; labels[i] = b; }
  const p = k - 1 + k * d + (cov === 'full' ? (k * d * (d + 1)) / 2 : k * d);
  return { k, d, covariance: cov, weights: w, means: mu, covariances: S, labels, probabilities: resp, logLikelihood, bic: -2 * logLikelihood + p * Math.log(n), iterations, converged };
}

/** Σ⁻¹ (d × d) and ln det Σ of an SPD matrix through its Cholesky factor. */
export function choleskyInverse(S: ArrayLike<number>, d: number): { inverse: Float64Array; logDet: number } {
  const L = new Float64Array(d * d);
  cholesky(Float64Array.from(S), 0, d, L);
  let logDet = 0;
  for (let j = 0; j < d; j++) logDet += 2 * Math.log(L[j * d + j]!);
  // columns of Σ⁻¹ by forward and back substitution on the unit vectors
  const inv = new Float64Array(d * d), y = new Float64Array(d);
  for (let col = 0; col < d; col++) {
    for (let i = 0; i < d; i++) { let s = i === col ? 1 : 0; for (let t = 0; t < i; t++) s -= L[i * d + t]! * y[t]!; y[i] = s / L[i * d + i]!; }
    for (let i = d - 1; i >= 0; i--) { let s = y[i]!; for (let t = i + 1; t < d; t++) s -= L[t * d + i]! * inv[t * d + col]!; inv[i * d + col] = s / L[i * d + i]!; }
  }
  for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) { const m = (inv[a * d + b]! + inv[b * d + a]!) / 2; inv[a * d + b] = m; inv[b * d + a] = m; }
  return { inverse: inv, logDet };
}
