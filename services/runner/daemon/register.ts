import type { Logger } from '../../shared/log.js';
import { VERSION } from '../../shared/version.js';
import type { RunnerDaemonConfig } from '../config.js';
import type { CoordinatorConnection } from './connection.js';

export interface Registration {
  runnerId: number;
  leaseTimeoutMs: number;
}

/**
 * Announces the runner to the coordinator (idempotent by name), waiting for
 * the coordinator as long as it takes unless `signal` aborts. Later calls
 * carry the id it gives.
 */
export async function registerRunner(
  conn: CoordinatorConnection,
  cfg: RunnerDaemonConfig,
  log: Logger,
  signal?: AbortSignal,
): Promise<Registration> {
  const res = await conn.retrying(
    () =>
      conn.register({
        name: cfg.name,
        labels: { ...cfg.labels },
        platform: `${cfg.platform.os}/${cfg.platform.arch}`,
        capacity: cfg.capacity,
        version: VERSION,
      }),
    { what: 'register', ...(signal ? { signal } : {}) },
  );
  conn.setRunnerId(res.runnerId);
  log.debug(
    { runnerId: res.runnerId, leaseTimeoutMs: res.leaseTimeoutMs },
    'registered with the coordinator',
  );
  return { runnerId: res.runnerId, leaseTimeoutMs: res.leaseTimeoutMs || 30_000 };
}
