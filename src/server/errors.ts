/**
 * Errors as the API answers them: JSON `{code, message, hint?, positions?, details?}` with a 4xx status for
 * anything a request can cause (a schema violation, a bad rule, an unknown id), 5xx only for the server's
 * own failures. `ApiError` is for the route handlers; SegmintErrors of the pipelines map by their code.
 */
import { isSegmintError, SegmintError } from '../core/errors.ts';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly extra: { hint?: string; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string, id: string, hint?: string) => new ApiError(404, 'not-found', `no ${what} ${JSON.stringify(id)}`, hint ? { hint } : {});

/** One problem's place in a rule text (line and column from 1), with its code and message. */
export interface Position {
  line: number;
  column: number;
  length?: number;
  code: string;
  message: string;
  hint?: string;
  audience?: string;
}

export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
  positions?: Position[];
  details?: Record<string, unknown>;
}

/** SegmintError codes that mean "no such thing" (404) or "not now" (409). */
const NOT_FOUND = /^(unknown-(?!column|field|function|trait|event|property|operator|unit|value)|.*-not-found$|no-runs?$)/;
const CONFLICT = new Set(['workspace-locked', 'not-enough-runs', 'already-exists', 'busy']);

/** Positions out of a definition error's diagnostics. */
export function positionsOf(details: Record<string, unknown> | undefined): Position[] | undefined {
  const ds = details?.diagnostics;
  if (!Array.isArray(ds)) return undefined;
  return ds.map((d: Record<string, unknown>) => ({
    line: Number(d.line ?? 1), column: Number(d.column ?? 1),
    ...(typeof d.length === 'number' ? { length: d.length } : {}),
    code: String(d.code), message: String(d.message),
    ...(typeof d.hint === 'string' ? { hint: d.hint } : {}),
    ...(typeof d.audience === 'string' ? { audience: d.audience } : {}),
  }));
}

/** The status and body for an error thrown while answering a request. */
export function errorResponse(e: unknown): { status: number; body: ErrorBody } {
  if (e instanceof ApiError) return { status: e.status, body: { code: e.code, message: e.message, ...(e.extra.hint ? { hint: e.extra.hint } : {}), ...(e.extra.details ? { details: e.extra.details } : {}) } };
  if (isSegmintError(e)) return { status: statusOf(e), body: segmintBody(e) };
  const fe = e as { validation?: unknown; statusCode?: number; code?: string; message?: string; validationContext?: string };
  if (fe && Array.isArray(fe.validation)) {
    return { status: 400, body: { code: 'invalid-request', message: `${fe.validationContext ?? 'request'}: ${fe.message ?? 'does not match the schema'}`, details: { problems: fe.validation as unknown[] } } };
  }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own (FST_ERR_CTP_BODY_TOO_LARGE, FST_ERR_CTP_INVALID_MEDIA_TYPE, bad JSON …)
    return { status: fe.statusCode, body: { code: fastifyCode(fe.code, fe.statusCode), message: fe.message ?? 'bad request' } };
  }
  return { status: 500, body: { code: 'internal-error', message: 'the server failed to answer this request; see its log' } };
}

function statusOf(e: SegmintError): number {
  if (NOT_FOUND.test(e.code)) return 404;
  if (CONFLICT.has(e.code)) return 409;
  return e.exitCode === 2 ? 400 : 422;
}

function segmintBody(e: SegmintError): ErrorBody {
  const positions = positionsOf(e.details);
  const details = e.details && !positions ? e.details : undefined;
  return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(positions ? { positions } : {}), ...(details ? { details: jsonSafe(details) } : {}) };
}

const jsonSafe = (v: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x))) as Record<string, unknown>;

function fastifyCode(code: string | undefined, status: number): string {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return 'body-too-large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return 'unsupported-media-type';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return 'empty-body';
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return 'invalid-json';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH': return 'invalid-content-length';
    case 'FST_ERR_BAD_URL': return 'bad-url';
    case 'FST_ERR_ASYNC_CONSTRAINT': return 'bad-request';
    default: return status === 413 ? 'body-too-large' : status === 415 ? 'unsupported-media-type' : status === 404 ? 'not-found' : 'bad-request';
  }
}
