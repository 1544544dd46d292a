import { hostname } from 'node:os';
import { z } from 'zod';
import { type Env, readEnv, secretSetting, setting } from '../shared/config/read-env.js';
import { bool, byteSize, duration, int } from '../shared/config/values.js';
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
  /** Steps that run alone share one network namespace per job (see executor/sandbox.ts). */
  networkSandbox: setting('HANGAR_NETWORK_SANDBOX', bool, true),
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

/** Where the coordinator is, as the gRPC client dials it. */
export interface CoordinatorAddress {
  /** host:port. */
  target: string;
  tls: boolean;
}

/**
 * DRONE_SERVER as Drone agents write it ('drone-server:9000') or as a URL
 * ('grpc://host:9000', 'http://host:9000'; 'https://' and 'grpcs://' use TLS).
 */
export const coordinatorAddress = z.string().transform((s, ctx): CoordinatorAddress => {
  const text = s.trim();
  const m = /^(?:([a-z]+):\/\/)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(text);
  const scheme = m?.[1] ?? 'grpc';
  if (!m || !['grpc', 'grpcs', 'http', 'https'].includes(scheme) || Number(m[3] ?? 0) > 65535) {
    ctx.addIssue({
      code: 'custom',
      message: `'${s}' is not a coordinator address; write it like coordinator.example.com:9000`,
    });
    return z.NEVER;
  }
  const tls = scheme === 'grpcs' || scheme === 'https';
  return { target: `${m[2]}:${m[3] ?? (tls ? '443' : '9000')}`, tls };
});

/** 'key=value,key2=value2' (Drone writes 'key:value'). */
export const runnerLabels = z.string().transform((s, ctx) => {
  const out: Record<string, string> = {};
  for (const part of s.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(part);
    if (!m) {
      ctx.addIssue({
        code: 'custom',
        message: `'${part}' is not a label; write labels like gpu=true,zone=eu`,
      });
      return z.NEVER;
    }
    out[m[1] as string] = m[2] as string;
  }
  return out;
});

const capacity = int.refine((n) => n >= 1 && n <= 1000, { message: 'must be a whole number from 1 to 1000' });

const platform = z.string().transform((s, ctx) => {
  const m = /^([a-z0-9]+)\/([a-z0-9]+)$/.exec(s.trim().toLowerCase());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `'${s}' is not a platform; write it like linux/amd64` });
    return z.NEVER;
  }
  return { os: m[1] as string, arch: m[2] as string };
});

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };

/** The platform of this machine as Docker names it ('linux/amd64'). */
export function hostPlatform(): { os: string; arch: string } {
  return {
    os: process.platform === 'win32' ? 'windows' : process.platform,
    arch: ARCH[process.arch] ?? process.arch,
  };
}

export const logLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
  message: 'must be one of trace, debug, info, warn, error, fatal, silent',
});

/** What `hangar runner` adds to the executor's settings. */
export const runnerDaemonSettings = {
  server: setting(['DRONE_SERVER', 'DRONE_RPC_SERVER'], coordinatorAddress, {
    target: '127.0.0.1:9000',
    tls: false,
  }),
  secret: secretSetting(['DRONE_SECRET', 'DRONE_RPC_SECRET'], z.string()),
  natsUrl: setting('HANGAR_NATS_URL', z.string(), 'nats://127.0.0.1:4222'),
  capacity: setting(['HANGAR_RUNNER_CAPACITY', 'DRONE_MAX_PROCS', 'DRONE_RUNNER_CAPACITY'], capacity, 2),
  labels: setting(['HANGAR_RUNNER_LABELS', 'DRONE_RUNNER_LABELS'], runnerLabels, {}),
  name: setting(['HANGAR_RUNNER_NAME', 'DRONE_RUNNER_NAME', 'HANGAR_RUNNER_ID'], z.string().trim().min(1)),
  platform: setting(['HANGAR_RUNNER_PLATFORM', 'DRONE_RUNNER_PLATFORM'], platform),
  graceMs: setting('HANGAR_RUNNER_GRACE', duration, 60_000),
  logLevel: setting('HANGAR_LOG_LEVEL', logLevel, 'info'),
};

export interface RunnerDaemonConfig {
  server: CoordinatorAddress;
  /** DRONE_SECRET, or the runner's own token. */
  secret?: string;
  natsUrl: string;
  /** Jobs run at once. */
  capacity: number;
  labels: Readonly<Record<string, string>>;
  /** Announced to the coordinator and put on every Docker object of the runner's jobs. */
  name: string;
  platform: { os: string; arch: string };
  /** How long a SIGTERM waits for running jobs before handing them back. */
  graceMs: number;
  logLevel: string;
  docker: DockerConnection;
  cloneImage: string;
  memLimit?: number;
  jobTimeoutMs: number;
  stopGraceMs: number;
}

/** Reads `hangar runner`'s settings; a bad value throws a ConfigError naming its variable. */
export function readRunnerDaemonConfig(env: Env): Readonly<RunnerDaemonConfig> {
  const exec = readRunnerConfig(env);
  const v = readEnv(env, runnerDaemonSettings);
  return Object.freeze({
    server: v.server,
    ...(v.secret === undefined ? {} : { secret: v.secret }),
    natsUrl: v.natsUrl,
    capacity: v.capacity,
    labels: Object.freeze({ ...v.labels }),
    name: v.name ?? hostname(),
    platform: v.platform ?? hostPlatform(),
    graceMs: v.graceMs,
    logLevel: v.logLevel,
    docker: dockerConnection(exec),
    cloneImage: exec.cloneImage,
    ...(exec.memLimit === undefined ? {} : { memLimit: exec.memLimit }),
    jobTimeoutMs: exec.jobTimeoutMs,
    stopGraceMs: exec.stopGraceMs,
  });
}
