import http from 'node:http';
import https from 'node:https';
import type { Commits } from '@gitbeaker/rest';

/**
 * The HTTP transport under gitbeaker's resource classes.
 *
 * gitbeaker 43 has no `rejectUnauthorized` option: it calls the global `fetch`
 * and hands its `agent` option to fetch as an undici `dispatcher`, and it
 * retries 429 and 502 itself (ten times within about a quarter of a second),
 * dropping `Retry-After`. Hangar needs both under its own control (self-signed
 * GitLab for DRONE_GITLAB_SKIP_VERIFY, and a durable outbox that honours
 * `Retry-After`), so the adapter passes gitbeaker this `requesterFn`. The
 * resource classes still build every endpoint, query and body; this file only
 * moves bytes, makes one attempt per call, and reports failures with their
 * status, headers and body.
 */

type ResourceOptionsArg = ConstructorParameters<typeof Commits>[0];
export type RequesterFn = NonNullable<ResourceOptionsArg['requesterFn']>;
type ResourceOptions = Parameters<RequesterFn>[0];
type Requester = ReturnType<RequesterFn>;
type CallOptions = Parameters<Requester['get']>[1];

export interface TransportOptions {
  /** Accept any TLS certificate (DRONE_GITLAB_SKIP_VERIFY). */
  skipVerify: boolean;
  /** Give up on one request after this long. */
  timeoutMs: number;
}

/** GitLab answered with a status outside 2xx. */
export class HttpFailure extends Error {
  override readonly name = 'HttpFailure';
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
    readonly text: string,
  ) {
    super(`${method} ${url} answered ${status}`);
  }

  /** The `message` (or `error`) GitLab puts in its JSON error bodies; the raw text otherwise. */
  get gitlabMessage(): string {
    const body = this.json;
    if (body && typeof body === 'object') {
      const o = body as Record<string, unknown>;
      const m = o.message ?? o.error_description ?? o.error;
      if (typeof m === 'string') return m;
      if (m && typeof m === 'object') return flattenValidation(m as Record<string, unknown>);
    }
    return this.text.trim().slice(0, 500);
  }

  get json(): unknown {
    try {
      return JSON.parse(this.text);
    } catch {
      return undefined;
    }
  }
}

/** {"description":["is too long (maximum is 255 characters)"]} → "description is too long (maximum is 255 characters)" */
function flattenValidation(errors: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [field, v] of Object.entries(errors)) {
    const list = Array.isArray(v) ? v : [v];
    for (const item of list) parts.push(`${field} ${String(item)}`);
  }
  return parts.join('; ');
}

export interface Transport {
  requesterFn: RequesterFn;
  /** Closes idle keep-alive connections. */
  close(): void;
}

export function createTransport(opts: TransportOptions): Transport {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 16,
    rejectUnauthorized: !opts.skipVerify,
  });

  const requesterFn: RequesterFn = (resource: ResourceOptions) => {
    const call =
      (method: string) =>
      async (
        endpoint: string,
        options?: CallOptions,
      ): Promise<{ body: never; headers: Record<string, string>; status: number }> => {
        const url = buildUrl(resource.url, endpoint, options?.searchParams);
        const headers: Record<string, string> = { ...resource.headers, accept: 'application/json' };
        for (const [name, value] of Object.entries(resource.authHeaders)) headers[name] = await value();
        if (options?.sudo !== undefined) headers.sudo = String(options.sudo);
        let payload: string | undefined;
        if (options?.body !== undefined && !(options.body instanceof FormData)) {
          payload = JSON.stringify(snakeKeys(options.body));
          headers['content-type'] = 'application/json';
        }
        const signals = [AbortSignal.timeout(opts.timeoutMs)];
        if (options?.signal) signals.push(options.signal);
        const res = await send(url, method, headers, payload, AbortSignal.any(signals), {
          http: httpAgent,
          https: httpsAgent,
        });
        if (res.status < 200 || res.status > 299) {
          throw new HttpFailure(method, redactUrl(url), res.status, res.headers, res.body.toString('utf8'));
        }
        return { body: parseBody(res) as never, headers: res.headers, status: res.status };
      };
    return {
      get: call('GET'),
      post: call('POST'),
      put: call('PUT'),
      patch: call('PATCH'),
      delete: call('DELETE'),
    } as Requester;
  };

  return {
    requesterFn,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function buildUrl(prefix: string, endpoint: string, search: Record<string, unknown> | undefined): URL {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const url = new URL(endpoint, base);
  if (search) {
    for (const [key, value] of Object.entries(snakeKeys(search) as Record<string, unknown>)) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const v of value) url.searchParams.append(`${key}[]`, String(v));
      else url.searchParams.set(key, String(value));
    }
  }
  return url;
}

/** gitbeaker's option names are camelCase; GitLab's parameters are snake_case. */
function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (!value || typeof value !== 'object' || value.constructor !== Object) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()] = snakeKeys(v);
  }
  return out;
}

function redactUrl(url: URL): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return `${u.origin}${u.pathname}`;
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function parseBody(res: RawResponse): unknown {
  if (res.status === 204) return null;
  const type = (res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  const text = res.body.toString('utf8');
  if (type === 'application/json') return text === '' ? {} : JSON.parse(text);
  if (type.startsWith('text/')) return text;
  return new Blob([res.body]);
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  payload: string | undefined,
  signal: AbortSignal,
  agents: { http: http.Agent; https: https.Agent },
): Promise<RawResponse> {
  const lib = url.protocol === 'https:' ? https : http;
  const agent = url.protocol === 'https:' ? agents.https : agents.http;
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, agent, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        }
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
