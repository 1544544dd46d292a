import { HangarError, RefusedError } from '../../shared/errors.js';

/** RefusedError types its `name` as the literal 'RefusedError'; subclasses set theirs at run time. */
function named(err: Error, name: string): void {
  Object.defineProperty(err, 'name', { value: name, enumerable: false, configurable: true, writable: false });
}

/** The thing asked for does not exist. */
export class NotFoundError extends HangarError {
  override readonly name = 'NotFoundError';
}

/** The thing to create exists already. */
export class ConflictError extends RefusedError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    named(this, 'ConflictError');
  }
}

/** A runner used a job's lease after losing it (expired, requeued, completed or never held). */
export class LeaseLostError extends RefusedError {
  constructor(readonly jobId: number) {
    super(
      `job ${jobId}: this runner no longer holds the job's lease (it expired, was requeued or the job ended); stop the job`,
    );
    named(this, 'LeaseLostError');
  }
}

/** Stored secrets cannot be read with the configured key, or no key is configured. */
export class SecretKeyError extends HangarError {
  override readonly name = 'SecretKeyError';
}

/** The database cannot be reached or opened. */
export class DatabaseUnavailableError extends HangarError {
  override readonly name = 'DatabaseUnavailableError';
  constructor(message: string, cause: unknown) {
    super(message, { cause, retryable: true });
  }
}
