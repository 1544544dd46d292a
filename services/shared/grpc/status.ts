/**
 * Errors across the gRPC boundary. Servers turn Hangar's errors into a status
 * code plus the error's own sentence; clients turn a status back into one
 * sentence that says what to check. Stack traces stay in the server's log.
 */
import { status as Code, Metadata, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { HangarError } from '../errors.js';

/** An error that already knows its gRPC status. */
export class StatusError extends HangarError {
  override readonly name = 'StatusError';
  constructor(
    readonly code: Code,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, retryable: code === Code.UNAVAILABLE });
  }
}

/** Error names (set by their classes) and the status each maps to. */
const BY_NAME: Record<string, Code> = {
  LeaseLostError: Code.FAILED_PRECONDITION,
  ConflictError: Code.ALREADY_EXISTS,
  RefusedError: Code.FAILED_PRECONDITION,
  NotFoundError: Code.NOT_FOUND,
  SecretKeyError: Code.FAILED_PRECONDITION,
  DatabaseUnavailableError: Code.UNAVAILABLE,
  BusError: Code.UNAVAILABLE,
  ConfigError: Code.FAILED_PRECONDITION,
};

/** Whether the status is one the server chose on purpose (the message is for the caller). */
export function isExpected(code: Code): boolean {
  return code !== Code.INTERNAL && code !== Code.UNKNOWN;
}

/**
 * The status for an error thrown by a handler. Unknown errors become INTERNAL
 * with a sentence that does not leak internals; `what` names the call.
 */
export function toStatus(
  err: unknown,
  what: string,
): Partial<StatusObject> & { code: Code; details: string } {
  const metadata = new Metadata();
  if (err instanceof StatusError) return { code: err.code, details: err.message, metadata };
  if (err instanceof RangeError) return { code: Code.INVALID_ARGUMENT, details: err.message, metadata };
  if (err instanceof Error) {
    const code = BY_NAME[err.name];
    if (code !== undefined) return { code, details: err.message, metadata };
    if (err instanceof HangarError && err.retryable) {
      return { code: Code.UNAVAILABLE, details: err.message, metadata };
    }
  }
  return {
    code: Code.INTERNAL,
    details: `the coordinator failed to handle ${what}; its log has the details`,
    metadata,
  };
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number';
}

/** Whether a failed call may succeed when tried again later. */
export function isRetryable(err: unknown): boolean {
  if (!isServiceError(err)) return false;
  return (
    err.code === Code.UNAVAILABLE ||
    err.code === Code.DEADLINE_EXCEEDED ||
    err.code === Code.RESOURCE_EXHAUSTED ||
    err.code === Code.ABORTED
  );
}

/**
 * One sentence for a failed call to `target` (e.g. 'the coordinator at
 * 127.0.0.1:9000'), as a HangarError (retryable when trying again may help).
 */
export function describeCallError(err: unknown, target: string): HangarError {
  if (!isServiceError(err)) return new HangarError(`${target}: ${String(err)}`, { cause: err });
  const retryable = isRetryable(err);
  const details = err.details || err.message;
  switch (err.code) {
    case Code.UNAVAILABLE:
      return new HangarError(
        `cannot reach ${target} (${details}); check that it runs and that DRONE_SERVER points at it`,
        { cause: err, retryable },
      );
    case Code.DEADLINE_EXCEEDED:
      return new HangarError(`${target} did not answer in time; it may be overloaded, try again`, {
        cause: err,
        retryable,
      });
    case Code.UNAUTHENTICATED:
      return new HangarError(`${target} refused the credentials: ${details}`, { cause: err });
    default:
      return new HangarError(details, { cause: err, retryable });
  }
}
