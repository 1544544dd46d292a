/**
 * Named error classes. Each carries a sentence a person can act on; the
 * `cause` keeps the underlying error for logs.
 */
export class HangarError extends Error {
  override readonly name: string = 'HangarError';
  /** True when trying the same thing again later may succeed. */
  readonly retryable: boolean;

  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** A configuration variable is missing or malformed. The message names the variable. */
export class ConfigError extends HangarError {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/** A request was understood but refused (permission, trust, validation). */
export class RefusedError extends HangarError {
  override readonly name = 'RefusedError';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
