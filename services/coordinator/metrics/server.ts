/**
 * The coordinator's HTTP port: GET /metrics (Prometheus text format) and
 * GET /healthz (200 when the database and NATS answer, else 503 saying which
 * does not).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HangarError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { Registry } from './registry.js';

export interface HealthReport {
  ok: boolean;
  /** One sentence per part that does not answer. */
  problems: string[];
}

export interface MetricsServer {
  /** host:port actually bound. */
  address: string;
  close(): Promise<void>;
}

function split(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(addr.slice(i + 1)) };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startMetricsServer(
  addr: string,
  registry: Registry,
  health: () => Promise<HealthReport>,
  log: Logger,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/metrics') {
      registry.render().then(
        (text) => {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
        },
        (err: unknown) => {
          log.error({ err }, 'rendering metrics failed');
          res.writeHead(500).end('metrics failed; see the coordinator log\n');
        },
      );
      return;
    }
    if (path === '/healthz') {
      health().then(
        (h) => {
          res
            .writeHead(h.ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' })
            .end(h.ok ? 'ok\n' : `${h.problems.join('\n')}\n`);
        },
        (err: unknown) => {
          res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(`${String(err)}\n`);
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('try /metrics or /healthz\n');
  });
  server.keepAliveTimeout = 5000;
  const { host, port } = split(addr);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new HangarError(
          `cannot listen for metrics on ${addr} (${(err as Error).message}); set HANGAR_METRICS_ADDR to a free host:port`,
          { cause: err },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: joinHostPort(host, bound.port),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
