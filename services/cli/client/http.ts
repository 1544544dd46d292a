/**
 * The HTTP client of Hangar's REST API: bearer token, time limit, and
 * failures turned into one sentence (server unreachable, token refused, the
 * server's own `{ "error": ... }`).
 */
import { HangarError } from '../../shared/errors.js';
import type { ClientConfig } from './config.js';

/** The server answered with an error, or could not be reached. */
export class ApiClientError extends HangarError {
  override readonly name = 'ApiClientError';
  constructor(
    message: string,
    /** HTTP status; 0 when the server was not reached. */
    readonly status: number,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts);
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Encodes a repository path ('group/app') as one URL segment, as the API expects. */
export const seg = (s: string | number): string => encodeURIComponent(String(s));

function unreachable(server: string, err: unknown): ApiClientError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'no such host'
        : (err as Error).name === 'TimeoutError'
          ? 'no answer in time'
          : (cause?.message ?? (err as Error).message);
  return new ApiClientError(
    `cannot reach the Hangar server at ${server} (${why}); check HANGAR_SERVER and that the server runs`,
    0,
    { cause: err },
  );
}

export class HttpClient {
  constructor(private readonly cfg: ClientConfig) {}

  get server(): string {
    return this.cfg.server;
  }

  /** Sends a request; resolves with the response once the status is 2xx. */
  async send(
    method: Method,
    path: string,
    body?: unknown,
    opts: { stream?: boolean } = {},
  ): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.cfg.server}/api${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.cfg.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(opts.stream ? {} : { signal: AbortSignal.timeout(this.cfg.timeoutMs) }),
      });
    } catch (err) {
      throw unreachable(this.cfg.server, err);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let message: string | undefined;
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      if (typeof parsed.error === 'string') message = parsed.error;
    } catch {}
    if (res.status === 401) {
      throw new ApiClientError(
        `HANGAR_TOKEN is not accepted by ${this.cfg.server}${message ? ` (${message})` : ''}`,
        401,
      );
    }
    if (message === undefined) {
      throw new ApiClientError(
        `${this.cfg.server} answered ${res.status} ${res.statusText} to ${method} /api${path}; check that HANGAR_SERVER is Hangar's address`,
        res.status,
      );
    }
    throw new ApiClientError(message, res.status);
  }

  async json<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ApiClientError(
        `${this.cfg.server} answered ${method} /api${path} with something that is not JSON; check that HANGAR_SERVER is Hangar's address`,
        res.status,
        { cause: err },
      );
    }
  }
}
