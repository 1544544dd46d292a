/**
 * The coordinator's configuration, read once from the environment. Drone's
 * names work as they are: DRONE_DATABASE_DRIVER / DRONE_DATABASE_DATASOURCE,
 * DRONE_DATABASE_SECRET, DRONE_SECRET.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { type Env, readEnv, secretSetting, setting } from '../shared/config/read-env.js';
import { byteSize, duration } from '../shared/config/values.js';
import { ConfigError } from '../shared/errors.js';
import { parseSecretKey } from './store/crypto.js';
import type { DatabaseConfig } from './store/index.js';

export interface CoordinatorConfig {
  database: DatabaseConfig;
  /** Key for secrets and registry passwords at rest; absent means they cannot be stored. */
  secretKey?: Buffer;
  /** Shared secret runners authenticate with. */
  droneSecret?: string;
  /** host:port the gRPC server listens on. */
  grpcAddr: string;
  /** NATS server URL(s), comma-separated. */
  natsUrl: string;
  /** A job goes back to the queue when its runner does not extend the lease for this long. */
  leaseTimeoutMs: number;
  /** Bytes of log kept per step. */
  logLimit: number;
  /** host:port of the HTTP server for /metrics and /healthz. */
  metricsAddr: string;
  /** A queued job no runner accepted for this long is published again if the queue lost it. */
  redispatchAfterMs: number;
  /** Clone credentials for builds whose request brings none. */
  netrc?: { login: string; password: string };
}

const POSTGRES_EXAMPLE = 'postgres://user:password@host:5432/hangar';

const postgresUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: `is not a PostgreSQL URL; write it like ${POSTGRES_EXAMPLE}` },
);

const driver = z.string().transform((s, ctx) => {
  const v = s.trim().toLowerCase();
  if (v === 'sqlite3' || v === 'sqlite') return 'sqlite' as const;
  if (v === 'postgres' || v === 'postgresql') return 'postgres' as const;
  ctx.addIssue({
    code: 'custom',
    message: `'${s}' is not supported; use sqlite3 (the default) or postgres`,
  });
  return z.NEVER;
});

const secretKey = z.string().transform((s, ctx) => {
  const key = parseSecretKey(s);
  if (key === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be 32 bytes written as 64 hex digits or as base64; make one with: openssl rand -hex 32',
    });
    return z.NEVER;
  }
  return key;
});

const hostPort = z.string().refine(
  (s) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s.trim());
    return m !== null && Number(m[2]) <= 65535;
  },
  { message: 'is not host:port; write it like 0.0.0.0:9000' },
);

const natsUrls = z.string().refine(
  (s) =>
    s.split(',').every((part) => {
      const p = part.trim();
      try {
        const u = new URL(p.includes('://') ? p : `nats://${p}`);
        return ['nats:', 'tls:', 'ws:', 'wss:'].includes(u.protocol) && u.hostname !== '';
      } catch {
        return false;
      }
    }),
  { message: 'is not a NATS URL; write it like nats://127.0.0.1:4222 (several separated by commas)' },
);

const leaseTimeout = duration.refine((ms) => ms >= 1000, { message: 'must be at least 1s' });
const logLimit = byteSize.refine((n) => n >= 1024, {
  message: 'must be at least 1KiB; the default is 10MiB',
});

const SETTINGS = {
  databasePath: setting('HANGAR_DATABASE_PATH', z.string(), './.hangar/hangar.db'),
  databaseUrl: secretSetting('DATABASE_URL', postgresUrl),
  databaseDriver: setting('DRONE_DATABASE_DRIVER', driver),
  databaseDatasource: secretSetting('DRONE_DATABASE_DATASOURCE', z.string()),
  secretKey: secretSetting(['HANGAR_SECRET_KEY', 'DRONE_DATABASE_SECRET'], secretKey),
  droneSecret: secretSetting('DRONE_SECRET', z.string()),
  grpcAddr: setting('HANGAR_GRPC_ADDR', hostPort, '0.0.0.0:9000'),
  natsUrl: setting('HANGAR_NATS_URL', natsUrls, 'nats://127.0.0.1:4222'),
  leaseTimeoutMs: setting('HANGAR_LEASE_TIMEOUT', leaseTimeout, 30_000),
  logLimit: setting('HANGAR_LOG_LIMIT', logLimit, 10 * 1024 * 1024),
  metricsAddr: setting('HANGAR_METRICS_ADDR', hostPort, '127.0.0.1:9100'),
  redispatchAfterMs: setting('HANGAR_REDISPATCH_AFTER', leaseTimeout, 30_000),
  netrcUsername: setting('HANGAR_NETRC_USERNAME', z.string()),
  netrcPassword: secretSetting('HANGAR_NETRC_PASSWORD', z.string()),
};

function database(v: {
  databasePath: string;
  databaseUrl?: string;
  databaseDriver?: 'sqlite' | 'postgres';
  databaseDatasource?: string;
}): DatabaseConfig {
  if (v.databaseUrl !== undefined) return { engine: 'postgres', url: v.databaseUrl };
  if (v.databaseDriver === 'postgres') {
    if (v.databaseDatasource === undefined) {
      throw new ConfigError(
        'DRONE_DATABASE_DATASOURCE',
        `is required when DRONE_DATABASE_DRIVER is postgres; set it to ${POSTGRES_EXAMPLE}`,
      );
    }
    if (!postgresUrl.safeParse(v.databaseDatasource).success) {
      throw new ConfigError(
        'DRONE_DATABASE_DATASOURCE',
        `is not a PostgreSQL URL; write it like ${POSTGRES_EXAMPLE}`,
      );
    }
    return { engine: 'postgres', url: v.databaseDatasource };
  }
  if (v.databaseDriver === 'sqlite' && v.databaseDatasource !== undefined) {
    return { engine: 'sqlite', path: resolve(v.databaseDatasource) };
  }
  return { engine: 'sqlite', path: resolve(v.databasePath) };
}

function netrc(v: { netrcUsername?: string; netrcPassword?: string }): Pick<CoordinatorConfig, 'netrc'> {
  if (v.netrcUsername === undefined && v.netrcPassword === undefined) return {};
  if (v.netrcPassword === undefined) {
    throw new ConfigError('HANGAR_NETRC_PASSWORD', 'is required when HANGAR_NETRC_USERNAME is set');
  }
  return { netrc: Object.freeze({ login: v.netrcUsername ?? 'oauth2', password: v.netrcPassword }) };
}

/** Reads and checks the coordinator's settings; a bad value throws a ConfigError naming its variable. */
export function loadCoordinatorConfig(env: Env): Readonly<CoordinatorConfig> {
  const v = readEnv(env, SETTINGS);
  return Object.freeze({
    database: Object.freeze(database(v)),
    ...(v.secretKey === undefined ? {} : { secretKey: v.secretKey }),
    ...(v.droneSecret === undefined ? {} : { droneSecret: v.droneSecret }),
    grpcAddr: v.grpcAddr,
    natsUrl: v.natsUrl,
    leaseTimeoutMs: v.leaseTimeoutMs,
    logLimit: v.logLimit,
    metricsAddr: v.metricsAddr,
    redispatchAfterMs: v.redispatchAfterMs,
    ...netrc(v),
  });
}
