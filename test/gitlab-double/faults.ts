/**
 * Injected failures: answer some requests with 5xx / 409 / 429, or drop the
 * connection, for a number of requests or a length of time.
 */

export interface FaultSpec {
  /** A route name ('statuses.create', 'notes.edit', 'git', ...); any route when absent. */
  route?: string;
  /** Only this HTTP method. */
  method?: string;
  /** Only request paths matching this. */
  path?: RegExp;
  /**
   * The HTTP status to answer; 'reset' destroys the connection without an
   * answer; 'hang' never answers (until the client gives up or the double closes).
   */
  status: 500 | 502 | 503 | 504 | 409 | 429 | 'reset' | 'hang';
  /** Answer this many matching requests, then stop. */
  times?: number;
  /** Answer every matching request for this long (from now), then stop. */
  forMs?: number;
  /** Seconds sent in `Retry-After` (429 and 503). */
  retryAfter?: number;
}

export interface Fault {
  readonly spec: FaultSpec;
  /** How many requests it has answered. */
  hits: number;
  /** Stops it now. */
  remove(): void;
}

export interface FaultReply {
  status: number | 'reset' | 'hang';
  headers: Record<string, string>;
  body: string;
}

export class Faults {
  private active: { fault: Fault; until: number | undefined }[] = [];

  add(spec: FaultSpec): Fault {
    const fault: Fault = {
      spec,
      hits: 0,
      remove: () => {
        this.active = this.active.filter((a) => a.fault !== fault);
      },
    };
    this.active.push({ fault, until: spec.forMs === undefined ? undefined : Date.now() + spec.forMs });
    return fault;
  }

  clear(): void {
    this.active = [];
  }

  /** The reply of the first live fault that matches, counting the hit. */
  take(method: string, path: string, route: string | undefined): FaultReply | undefined {
    const now = Date.now();
    this.active = this.active.filter(
      (a) =>
        (a.until === undefined || a.until > now) &&
        (a.fault.spec.times === undefined || a.fault.hits < a.fault.spec.times),
    );
    const hit = this.active.find(({ fault: { spec } }) => {
      if (spec.route !== undefined && spec.route !== route) return false;
      if (spec.method !== undefined && spec.method.toUpperCase() !== method) return false;
      if (spec.path !== undefined && !spec.path.test(path)) return false;
      return true;
    });
    if (!hit) return undefined;
    hit.fault.hits++;
    return reply(hit.fault.spec, route);
  }
}

function reply(spec: FaultSpec, route: string | undefined): FaultReply {
  const retry: Record<string, string> =
    spec.retryAfter === undefined ? {} : { 'retry-after': String(spec.retryAfter) };
  const json = (message: string) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
  });
  switch (spec.status) {
    case 'reset':
    case 'hang':
      return { status: spec.status, headers: {}, body: '' };
    case 429:
      // GitLab's Rack::Attack throttle answer.
      return {
        status: 429,
        headers: {
          'content-type': 'text/plain',
          'ratelimit-limit': '600',
          'ratelimit-remaining': '0',
          'ratelimit-observed': '600',
          ...retry,
        },
        body: 'Retry later\n',
      };
    case 409:
      return {
        status: 409,
        ...json(
          route === 'statuses.create'
            ? 'Another update to this commit status is in progress'
            : '409 Conflict',
        ),
      };
    case 500:
      return { status: 500, ...json('500 Internal Server Error') };
    default: {
      // 502/503/504 come from the proxy in front of GitLab, as HTML.
      const text = { 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[spec.status];
      return {
        status: spec.status,
        headers: { 'content-type': 'text/html', ...retry },
        body: `<html><body><h1>${spec.status} ${text}</h1></body></html>\n`,
      };
    }
  }
}
