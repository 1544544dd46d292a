/**
 * What `hangar server` reads besides the coordinator's and the runner's own
 * settings: where it keeps its data, and the local NATS.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { type Env, readEnv, setting } from '../shared/config/read-env.js';
import { int } from '../shared/config/values.js';

const port = int.refine((n) => n >= 0 && n <= 65535, { message: 'must be a port number from 0 to 65535' });

const SETTINGS = {
  dataDir: setting('HANGAR_DATA_DIR', z.string().trim().min(1), './.hangar'),
  natsUrl: setting('HANGAR_NATS_URL', z.string()),
  natsPort: setting('HANGAR_NATS_PORT', port),
  natsBin: setting('HANGAR_NATS_SERVER', z.string(), 'nats-server'),
};

export interface ServerConfig {
  /** Absolute path of the data directory (database, NATS store, generated secrets). */
  dataDir: string;
  /** An external NATS; when absent a local nats-server is started. */
  natsUrl?: string;
  /** Port of the local nats-server; when absent 4222, or a free one if 4222 is taken. */
  natsPort?: number;
  natsBin: string;
}

export function readServerConfig(env: Env): Readonly<ServerConfig> {
  const v = readEnv(env, SETTINGS);
  return Object.freeze({
    dataDir: resolve(v.dataDir),
    ...(v.natsUrl === undefined ? {} : { natsUrl: v.natsUrl }),
    ...(v.natsPort === undefined ? {} : { natsPort: v.natsPort }),
    natsBin: v.natsBin,
  });
}
