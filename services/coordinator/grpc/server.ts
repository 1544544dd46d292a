/**
 * The gRPC server: binds, and stops in two steps (tryShutdown, then
 * forceShutdown after a grace period). Long-lived streams (log uploads, log
 * tails) are ended first with UNAVAILABLE, so their clients reconnect
 * elsewhere instead of holding the shutdown up.
 */
import { Server, ServerCredentials, type ServiceDefinition, status } from '@grpc/grpc-js';
import { HangarError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { joinHostPort } from '../metrics/server.js';

type Closer = () => void;

/** The open streams, ended when the server stops. */
export class StreamTracker {
  private readonly open = new Set<Closer>();
  private closing = false;

  /** Registers a stream; returns the function that forgets it. */
  add(close: Closer): () => void {
    if (this.closing) {
      close();
      return () => {};
    }
    this.open.add(close);
    return () => this.open.delete(close);
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(): void {
    this.closing = true;
    for (const close of [...this.open]) close();
    this.open.clear();
  }
}

export const SHUTDOWN_STATUS = {
  code: status.UNAVAILABLE,
  details: 'the coordinator is shutting down; connect again',
};

export interface GrpcServer {
  /** host:port actually bound. */
  address: string;
  stop(graceMs: number): Promise<void>;
}

export async function startGrpcServer(
  addr: string,
  services: { definition: ServiceDefinition; handlers: object }[],
  streams: StreamTracker,
  log: Logger,
): Promise<GrpcServer> {
  const server = new Server({
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5000,
    // Channelz keeps per-call counters and traces that nothing here reads.
    'grpc.enable_channelz': 0,
  });
  for (const s of services) server.addService(s.definition, s.handlers as never);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(addr, ServerCredentials.createInsecure(), (err, p) => {
      if (err) {
        reject(
          new HangarError(
            `cannot listen for gRPC on ${addr} (${err.message}); set HANGAR_GRPC_ADDR to a free host:port`,
            { cause: err },
          ),
        );
      } else resolve(p);
    });
  });
  const host = addr.slice(0, addr.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
  return {
    address: joinHostPort(host, port),
    async stop(graceMs) {
      streams.closeAll();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          log.warn({ graceMs }, 'gRPC calls still running at the end of the grace period; cutting them off');
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
