/**
 * Nelder–Mead simplex minimisation (Nelder & Mead 1965, with the standard coefficients 1, 2, ½, ½ and an
 * adaptive restart of the simplex at the best point). Pure; used for likelihoods in log-parameter space.
 */

export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
}

export interface MinimizeOptions {
  /** stop when the simplex's values differ by less than this (absolute) */
  tolerance?: number;
  maxIterations?: number;
  /** initial step per coordinate */
  step?: number;
  /** restarts from the best point, to escape a collapsed simplex */
  restarts?: number;
}

export function nelderMead(f: (x: number[]) => number, x0: number[], o: MinimizeOptions = {}): MinimizeResult {
  const tol = o.tolerance ?? 1e-10;
  const maxIt = o.maxIterations ?? 5000;
  const n = x0.length;
  let best = { x: [...x0], value: f(x0) };
  let iterations = 0;
  let converged = false;
  for (let restart = 0; restart <= (o.restarts ?? 2); restart++) {
    const step = (o.step ?? 0.5) / (restart + 1);
    let simplex = [best.x, ...Array.from({ length: n }, (_, i) => best.x.map((v, j) => (j === i ? v + step : v)))];
    let values = simplex.map((p) => f(p));
    converged = false;
    for (let it = 0; it < maxIt; it++, iterations++) {
      const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
      simplex = order.map((i) => simplex[i]!);
      values = order.map((i) => values[i]!);
      if (Math.abs(values[n]! - values[0]!) < tol) {
        converged = true;
        break;
      }
      const centroid = Array.from({ length: n }, (_, j) => simplex.slice(0, n).reduce((s, p) => s + p[j]!, 0) / n);
      const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n]![j]! - c));
      const xr = along(-1);
      const fr = f(xr);
      if (fr < values[0]!) {
        const xe = along(-2);
        const fe = f(xe);
        if (fe < fr) [simplex[n], values[n]] = [xe, fe];
        else [simplex[n], values[n]] = [xr, fr];
      } else if (fr < values[n - 1]!) {
        [simplex[n], values[n]] = [xr, fr];
      } else {
        const xc = fr < values[n]! ? along(-0.5) : along(0.5);
        const fc = f(xc);
        if (fc < Math.min(fr, values[n]!)) [simplex[n], values[n]] = [xc, fc];
        else {
          for (let i = 1; i <= n; i++) {
            simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!));
            values[i] = f(simplex[i]!);
          }
        }
      }
    }
    const i0 = values.indexOf(Math.min(...values));
    if (values[i0]! <= best.value) best = { x: simplex[i0]!, value: values[i0]! };
  }
  return { x: best.x, value: best.value, iterations, converged };
}
