/**
 * Deterministic arm assignment: a customer's arm depends only on the campaign's key (its name and seed) and
 * the customer id, through a 53-bit hash mapped to [0, 1) and the arms' cumulative shares. The same customer
 * always lands in the same arm, and a new member gets an arm without moving anyone. Pure, no I/O.
 */

/**
 * cyrb53 (a public-domain 53-bit string hash by bryc) of the UTF-16 code units of `text`, with `seed`.
 * Written out so that any tool can reproduce an assignment: docs/campaigns.md.
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The uniform draw in [0, 1) of a customer in a campaign: hash53(campaign + '\u0000' + customer id, seed) / 2⁵³. */
export function assignmentDraw(campaign: string, seed: number, customerId: string): number {
  return hash53(`${campaign}\u0000${customerId}`, seed) / 9007199254740992;
}

/** The cumulative bounds of `shares` (normalised to sum to 1); the last is exactly 1. */
export function cumulativeShares(shares: readonly number[]): Float64Array {
  const total = shares.reduce((a, b) => a + b, 0);
  const out = new Float64Array(shares.length);
  let c = 0;
  shares.forEach((s, i) => {
    c += s / total;
    out[i] = c;
  });
  out[shares.length - 1] = 1;
  return out;
}

/** The arm index of each customer id: the first arm whose cumulative share exceeds the customer's draw. */
export function assignArms(campaign: string, seed: number, customerIds: readonly string[], shares: readonly number[]): Int32Array {
  const bounds = cumulativeShares(shares);
  const out = new Int32Array(customerIds.length);
  for (let i = 0; i < customerIds.length; i++) {
    const u = assignmentDraw(campaign, seed, customerIds[i]!);
    let a = 0;
    while (u >= bounds[a]!) a++;
    out[i] = a;
  }
  return out;
}
