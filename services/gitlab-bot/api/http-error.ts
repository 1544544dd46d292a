/**
 * How failures become HTTP answers of the REST API: a status code and one
 * sentence, `{ "error": "..." }`. Errors Hangar knows keep their sentence;
 * anything else is a 500 whose details go to the log only.
 */

import { ConflictError, NotFoundError, SecretKeyError } from '../../coordinator/store/errors.js';
import { HangarError } from '../../shared/errors.js';
import {
  GitLabAuthError,
  GitLabNotFoundError,
  GitLabRejectedError,
  GitLabResponseError,
  GitLabTlsError,
  GitLabUnavailableError,
} from '../gitlab/errors.js';
import { BuildServiceError, type BuildServiceErrorKind } from './build-service.js';

/** A refusal the API decided on itself. */
export class HttpError extends HangarError {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const BUILD_SERVICE_STATUS: Record<BuildServiceErrorKind, number> = {
  'not-found': 404,
  invalid: 400,
  refused: 409,
  unavailable: 503,
  auth: 502,
  internal: 502,
};

export interface HttpFailure {
  status: number;
  message: string;
  headers: Record<string, string>;
  /** False for failures that need the server log (unknown errors). */
  expected: boolean;
}

export function httpFailure(err: unknown): HttpFailure {
  const known = (status: number, message: string, headers: Record<string, string> = {}) => ({
    status,
    message,
    headers,
    expected: true,
  });
  if (err instanceof HttpError) return known(err.status, err.message, err.headers);
  if (err instanceof BuildServiceError) return known(BUILD_SERVICE_STATUS[err.kind], err.message);
  if (err instanceof NotFoundError) return known(404, err.message);
  if (err instanceof ConflictError) return known(409, err.message);
  if (err instanceof SecretKeyError) return known(503, err.message);
  if (err instanceof RangeError) return known(400, err.message);
  if (err instanceof GitLabNotFoundError) return known(404, err.message);
  if (err instanceof GitLabUnavailableError) {
    const after: Record<string, string> =
      err.retryAfterMs === undefined ? {} : { 'retry-after': String(Math.ceil(err.retryAfterMs / 1000)) };
    return known(503, err.message, after);
  }
  if (
    err instanceof GitLabAuthError ||
    err instanceof GitLabRejectedError ||
    err instanceof GitLabResponseError ||
    err instanceof GitLabTlsError
  ) {
    return known(502, err.message);
  }
  return {
    status: 500,
    message: 'the server failed to answer this request; its log has the details',
    headers: {},
    expected: false,
  };
}
