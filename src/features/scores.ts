/** Moved to src/scoring/rfm.ts (a fitted model applied in the warehouse); re-exported for existing imports. */
export * from '../scoring/rfm.ts';
