/** JSON schemas shared by the routes (registered with addSchema; referenced as `{ $ref: 'Name#' }`). */

export const SHARED_SCHEMAS = [
  {
    $id: 'Error',
    type: 'object',
    description: 'An error: a stable kebab-case code, a message saying what was seen and expected, and for rules the positions of the problems',
    required: ['code', 'message'],
    properties: {
      code: { type: 'string' },
      message: { type: 'string' },
      hint: { type: 'string' },
      positions: {
        type: 'array',
        items: {
          type: 'object',
          required: ['line', 'column', 'code', 'message'],
          properties: {
            line: { type: 'integer' }, column: { type: 'integer' }, length: { type: 'integer' },
            code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' }, audience: { type: 'string' },
          },
        },
      },
      details: { type: 'object', additionalProperties: true },
    },
  },
] as const;

/** An id in a path: a run id (a whole number). */
export const runIdParam = { type: 'integer', minimum: 1, maximum: 2 ** 53 - 1 } as const;
/** A name used in a path (audience names …): letters, digits, - and _, up to 64 characters. */
export const NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';
export const nameParam = { type: 'string', pattern: NAME_PATTERN, maxLength: 64 } as const;
/** A customer id in a path (any text the workspace holds, bounded). */
export const customerIdParam = { type: 'string', minLength: 1, maxLength: 256 } as const;

/** limit/offset paging of a list. */
export const pageQuery = {
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  offset: { type: 'integer', minimum: 0, maximum: 1_000_000_000, default: 0 },
} as const;

/** A page of rows: the rows, the total, and the paging used. */
export function pageOf(item: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'object',
    required: ['total', 'limit', 'offset', 'items'],
    properties: { total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' }, items: { type: 'array', items: item } },
  };
}

/** Freshness of a kind of result: its last successful run and last failure. */
export const freshnessSchema = {
  type: 'object',
  properties: {
    lastSuccess: { type: ['object', 'null'], properties: { runId: { type: 'integer' }, at: { type: 'string' }, asOf: { type: ['string', 'null'] } } },
    lastFailure: { type: ['object', 'null'], properties: { at: { type: 'string' }, message: { type: 'string' }, jobId: { type: 'string' } } },
  },
} as const;
