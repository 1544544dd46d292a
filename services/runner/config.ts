import { z } from 'zod';
import { type Env, readEnv, setting } from '../shared/config/read-env.js';
import { bool, byteSize, duration } from '../shared/config/values.js';
import type { DockerConnection } from './docker/dockerode-engine.js';
import { DEFAULT_CLONE_IMAGE, DEFAULT_RUNNER_ID, DEFAULT_STOP_GRACE_MS } from './executor/options.js';

/**
 * The runner's settings, read from the environment in one place. Drone's
 * runner names are accepted where Drone has one.
 */
export const runnerSettings = {
  dockerHost: setting('DOCKER_HOST', z.string()),
  dockerTlsVerify: setting('DOCKER_TLS_VERIFY', bool, false),
  dockerCertPath: setting('DOCKER_CERT_PATH', z.string()),
  runnerId: setting(['HANGAR_RUNNER_ID', 'DRONE_RUNNER_NAME'], z.string(), DEFAULT_RUNNER_ID),
  cloneImage: setting('HANGAR_CLONE_IMAGE', z.string(), DEFAULT_CLONE_IMAGE),
  memLimit: setting(['HANGAR_MEM_LIMIT', 'DRONE_MEMORY_LIMIT'], byteSize),
  jobTimeoutMs: setting(['HANGAR_JOB_TIMEOUT', 'DRONE_TIMEOUT'], duration, 60 * 60_000),
  stopGraceMs: setting('HANGAR_STOP_GRACE', duration, DEFAULT_STOP_GRACE_MS),
};

export type RunnerConfig = ReturnType<typeof readRunnerConfig>;

export function readRunnerConfig(env: Env) {
  return readEnv(env, runnerSettings);
}

export function dockerConnection(config: RunnerConfig): DockerConnection {
  const conn: DockerConnection = { tlsVerify: config.dockerTlsVerify };
  if (config.dockerHost !== undefined) conn.host = config.dockerHost;
  if (config.dockerCertPath !== undefined) conn.certPath = config.dockerCertPath;
  return conn;
}
