/**
 * Errors a user can cause. Each carries a stable kebab-case `code`, a message that says what was seen
 * and what was expected, and a `hint` that says what to do. `exitCode` follows the CLI contract:
 * 2 for bad usage or invalid input, 1 for failures at run time.
 */
export class SegmintError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: 1 | 2;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    options: { hint?: string; exitCode?: 1 | 2; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SegmintError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 2;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

/** True when `e` is a SegmintError with the given code (or any code when omitted). */
export function isSegmintError(e: unknown, code?: string): e is SegmintError {
  return e instanceof SegmintError && (code === undefined || e.code === code);
}

/**
 * A likelihood maximisation that did not converge (code `convergence-error`, exit code 1). `details` holds
 * the model, the iterations and the best log-likelihood reached.
 */
export class ConvergenceError extends SegmintError {
  constructor(message: string, options: { hint?: string; details?: Record<string, unknown> } = {}) {
    super('convergence-error', message, { hint: options.hint, details: options.details, exitCode: 1 });
    this.name = 'ConvergenceError';
  }
}
