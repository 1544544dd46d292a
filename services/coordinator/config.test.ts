import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/errors.js';
import { loadCoordinatorConfig } from './config.js';

const HEX_KEY = 'a'.repeat(64);

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadCoordinatorConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('coordinator configuration', () => {
  it('runs on SQLite with documented defaults when nothing is set', () => {
    const c = loadCoordinatorConfig({});
    expect(c).toEqual({
      database: { engine: 'sqlite', path: resolve('.hangar/hangar.db') },
      grpcAddr: '0.0.0.0:9000',
      natsUrl: 'nats://127.0.0.1:4222',
      leaseTimeoutMs: 30_000,
      logLimit: 10 * 1024 * 1024,
      metricsAddr: '127.0.0.1:9100',
      redispatchAfterMs: 30_000,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('uses PostgreSQL from DATABASE_URL', () => {
    const url = 'postgres://hangar:pw@db:5432/hangar';
    expect(loadCoordinatorConfig({ DATABASE_URL: url }).database).toEqual({ engine: 'postgres', url });
  });

  it("accepts Drone's database variables", () => {
    const url = 'postgres://drone:pw@db:5432/drone?sslmode=disable';
    expect(
      loadCoordinatorConfig({ DRONE_DATABASE_DRIVER: 'postgres', DRONE_DATABASE_DATASOURCE: url }).database,
    ).toEqual({ engine: 'postgres', url });
    expect(
      loadCoordinatorConfig({
        DRONE_DATABASE_DRIVER: 'sqlite3',
        DRONE_DATABASE_DATASOURCE: '/data/database.sqlite',
      }).database,
    ).toEqual({ engine: 'sqlite', path: '/data/database.sqlite' });
    expect(loadCoordinatorConfig({ HANGAR_DATABASE_PATH: '/var/lib/hangar/db' }).database).toEqual({
      engine: 'sqlite',
      path: '/var/lib/hangar/db',
    });
  });

  it('refuses MySQL, naming the variable', () => {
    expect(errorOf({ DRONE_DATABASE_DRIVER: 'mysql' }).message).toBe(
      "DRONE_DATABASE_DRIVER: 'mysql' is not supported; use sqlite3 (the default) or postgres",
    );
  });

  it('asks for DRONE_DATABASE_DATASOURCE when the driver is postgres', () => {
    const err = errorOf({ DRONE_DATABASE_DRIVER: 'postgres' });
    expect(err.variable).toBe('DRONE_DATABASE_DATASOURCE');
    expect(err.message).toMatch(
      /^DRONE_DATABASE_DATASOURCE: is required when DRONE_DATABASE_DRIVER is postgres/,
    );
  });

  it('refuses a database URL that is not PostgreSQL without echoing it', () => {
    const err = errorOf({ DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(err.message).toMatch(/^DATABASE_URL: is not a PostgreSQL URL; write it like postgres:\/\//);
    expect(err.message).not.toContain('hunter2');
  });

  it('reads the secret key as hex or base64, also under its Drone name', () => {
    expect(loadCoordinatorConfig({ HANGAR_SECRET_KEY: HEX_KEY }).secretKey).toEqual(Buffer.alloc(32, 0xaa));
    const b64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadCoordinatorConfig({ DRONE_DATABASE_SECRET: b64 }).secretKey).toEqual(Buffer.alloc(32, 7));
  });

  it('refuses a secret key of the wrong length, naming the variable and not echoing the value', () => {
    const err = errorOf({ DRONE_DATABASE_SECRET: 'correct-horse-battery-staple' });
    expect(err.message).toBe(
      'DRONE_DATABASE_SECRET: must be 32 bytes written as 64 hex digits or as base64; make one with: openssl rand -hex 32',
    );
    expect(errorOf({ HANGAR_SECRET_KEY: 'ab'.repeat(31) }).variable).toBe('HANGAR_SECRET_KEY');
  });

  it.each([
    ['HANGAR_LEASE_TIMEOUT', 'soon', /HANGAR_LEASE_TIMEOUT: 'soon' is not a duration/],
    ['HANGAR_LEASE_TIMEOUT', '100ms', /HANGAR_LEASE_TIMEOUT: must be at least 1s/],
    ['HANGAR_LOG_LIMIT', 'huge', /HANGAR_LOG_LIMIT: 'huge' is not a size/],
    ['HANGAR_LOG_LIMIT', '10', /HANGAR_LOG_LIMIT: must be at least 1KiB/],
    ['HANGAR_GRPC_ADDR', 'localhost', /HANGAR_GRPC_ADDR: is not host:port/],
    ['HANGAR_GRPC_ADDR', '0.0.0.0:99999', /HANGAR_GRPC_ADDR: is not host:port/],
    ['HANGAR_NATS_URL', 'http://nats:4222', /HANGAR_NATS_URL: is not a NATS URL/],
    ['HANGAR_METRICS_ADDR', '9100', /HANGAR_METRICS_ADDR: is not host:port/],
    ['HANGAR_REDISPATCH_AFTER', '10ms', /HANGAR_REDISPATCH_AFTER: must be at least 1s/],
    [
      'HANGAR_NETRC_USERNAME',
      'ci-bot',
      /HANGAR_NETRC_PASSWORD: is required when HANGAR_NETRC_USERNAME is set/,
    ],
  ])('names %s when its value %j is bad', (name, value, message) => {
    expect(errorOf({ [name]: value }).message).toMatch(message);
  });

  it('takes durations, sizes and addresses written the usual ways', () => {
    const c = loadCoordinatorConfig({
      HANGAR_LEASE_TIMEOUT: '1m',
      HANGAR_LOG_LIMIT: '5MiB',
      HANGAR_GRPC_ADDR: '[::]:9100',
      HANGAR_NATS_URL: 'nats://a:4222, nats://b:4222',
      DRONE_SECRET: 'shared-secret',
    });
    expect(c.leaseTimeoutMs).toBe(60_000);
    expect(c.logLimit).toBe(5 * 1024 * 1024);
    expect(c.grpcAddr).toBe('[::]:9100');
    expect(c.droneSecret).toBe('shared-secret');
  });

  it('takes the metrics address and fallback clone credentials', () => {
    const c = loadCoordinatorConfig({
      HANGAR_METRICS_ADDR: '0.0.0.0:9200',
      HANGAR_NETRC_USERNAME: 'ci-bot',
      HANGAR_NETRC_PASSWORD: 'glpat-token',
    });
    expect(c.metricsAddr).toBe('0.0.0.0:9200');
    expect(c.netrc).toEqual({ login: 'ci-bot', password: 'glpat-token' });
    expect(loadCoordinatorConfig({ HANGAR_NETRC_PASSWORD: 'glpat-token' }).netrc).toEqual({
      login: 'oauth2',
      password: 'glpat-token',
    });
  });
});
