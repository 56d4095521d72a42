// What the CLV page reads (GET /runs?kind=clv, /clv/fits/{id}, /clv/fits/{id}/matrices,
// /clv/predictions/{id}/stats) and the shapes of a stored fit it shows.
import { get } from '../api.ts';
import './value-clv.css';

export interface FittedModel {
  model: string;
  name: string;
  params: Record<string, number>;
  standardErrors: Record<string, number | null>;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  method: string;
  customers: number;
  patterns?: number;
}

export interface FitIssue { code: string; parameters?: string[]; message: string; meaning: string; advice: string }
export interface FitDiagnostics { degenerate: boolean; weak: boolean; pAliveInformative: boolean; issues: FitIssue[] }

export interface ClvFit {
  period: string;
  periodDays: number;
  asOf?: string;
  calibrationEnd?: string;
  holdoutEnd?: string;
  customers: { total: number; fitted: number; excluded: number };
  purchase: FittedModel;
  diagnostics?: FitDiagnostics;
  choice?: { by: string; chosen: string; reason: string; rows: { name: string; fitted: boolean; logLikelihood: number | null; bic: number | null; meanAbsoluteError: number | null; chosen: boolean; degenerate: boolean; issues: string[]; error?: string }[] };
  refit?: FittedModel & { diagnostics: FitDiagnostics };
  spend?: FittedModel & { excluded: { noRepeatPurchases: number; nonPositiveSpend: number }; frequencySpendCorrelation: number };
  validation?: {
    customers: number; actualTotal: number; predictedTotal: number; aggregateRelativeError: number; meanAbsoluteError: number; rootMeanSquaredError: number; holdoutPeriods: number;
    byFrequency: { frequency: string; customers: number; actualMean: number; predictedMean: number }[];
    deciles: { decile: number; customers: number; actualMean: number; predictedMean: number; shareOfActual: number }[];
    topDecileLift: number;
  };
  tracking?: { origin: string; period: string; calibrationPeriods: number; points: { period: number; start: string; actual: number; expected: number; actualCumulative: number; expectedCumulative: number; holdout: boolean }[] };
  warnings: string[];
}

export interface FitDoc { runId: number; asOf: string | null; createdAt: string; params: Record<string, unknown>; fit: ClvFit; predictRunId: number | null }
export interface Matrices { runId: number; model: string; name: string; period: string; T: number; horizon: number; maxFrequency: number; maxRecency: number; pAlive: (number | null)[][]; expectedPurchases: (number | null)[][] }
export interface Tier { tier: string; customers: number; meanPAlive?: number | null; clv?: number | null }
export interface PredictionStats {
  runId: number; fitRunId: number | null; horizon: number | null; unit: string | null; customers: number; withClv: number; totalClv: number | null; maxClv: number | null;
  pAliveInformative: boolean | null; histogram: { from: number; to: number; customers: number }[]; churnTiers: Tier[]; clvTiers: Tier[];
}

export const fitDoc = (id: number, signal?: AbortSignal) => get<FitDoc>(`/clv/fits/${id}`, undefined, signal);
export const matrices = (id: number, signal?: AbortSignal) => get<Matrices>(`/clv/fits/${id}/matrices`, undefined, signal);
export const predictionStats = (id: number, signal?: AbortSignal) => get<PredictionStats>(`/clv/predictions/${id}/stats`, undefined, signal);

/** A number in significant digits (parameters span 1e-7 … 1e4). */
export function sig(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e6 ? Number(v.toPrecision(digits)).toLocaleString('en-US', { maximumSignificantDigits: digits }) : v.toExponential(digits - 1);
}
