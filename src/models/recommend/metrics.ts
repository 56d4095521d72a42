/**
 * Ranking metrics of a held-out evaluation (docs/recommend.md): for each customer with a test set T (items
 * bought after the split and not before) and a ranked list R of k items,
 * hit = [R ∩ T ≠ ∅], recall = |R ∩ T| / |T|, NDCG = Σ_{r: R_r ∈ T} 1/log2(r+1) / Σ_{r ≤ min(k,|T|)} 1/log2(r+1)
 * (ranks from 1, binary relevance; Järvelin & Kekäläinen 2002). Coverage: distinct items recommended over the
 * catalogue.
 */
export interface RankingScores {
  customers: number;
  hitRate: number;
  recall: number;
  ndcg: number;
  /** distinct items recommended / catalogue size */
  coverage: number;
  distinctItems: number;
}

/** One customer's hit (0/1), recall and NDCG of `ranked` (first k used) against the ascending test items. */
export function rankScores(ranked: ArrayLike<number>, test: ReadonlySet<number>, k: number): { hit: number; recall: number; ndcg: number } {
  let hits = 0;
  let dcg = 0;
  const m = Math.min(k, ranked.length);
  for (let r = 0; r < m; r++) {
    if (test.has(ranked[r]!)) {
      hits++;
      dcg += 1 / Math.log2(r + 2);
    }
  }
  let idcg = 0;
  for (let r = 0; r < Math.min(k, test.size); r++) idcg += 1 / Math.log2(r + 2);
  return { hit: hits > 0 ? 1 : 0, recall: test.size ? hits / test.size : 0, ndcg: idcg > 0 ? dcg / idcg : 0 };
}

/** Accumulates per-customer scores into means and coverage. */
export class RankingAccumulator {
  private n = 0;
  private hit = 0;
  private recall = 0;
  private ndcg = 0;
  private readonly seen: Uint8Array;
  private distinct = 0;
  constructor(private readonly catalogue: number) {
    this.seen = new Uint8Array(catalogue);
  }
  add(ranked: ArrayLike<number>, test: ReadonlySet<number>, k: number): void {
    const s = rankScores(ranked, test, k);
    this.n++;
    this.hit += s.hit;
    this.recall += s.recall;
    this.ndcg += s.ndcg;
    for (let r = 0; r < Math.min(k, ranked.length); r++) {
      const j = ranked[r]!;
      if (!this.seen[j]) { this.seen[j] = 1; this.distinct++; }
    }
  }
  result(): RankingScores {
    const d = this.n || 1;
    return { customers: this.n, hitRate: this.hit / d, recall: this.recall / d, ndcg: this.ndcg / d, coverage: this.catalogue ? this.distinct / this.catalogue : 0, distinctItems: this.distinct };
  }
}
