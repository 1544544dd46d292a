/**
 * The GitLab bot's configuration, read once from the environment. Drone's
 * GitLab names work as they are (DRONE_GITLAB_URL, DRONE_GITLAB_GIT_USERNAME,
 * DRONE_SECRET, DRONE_SERVER, DRONE_HOST, ...); Hangar's own settings start
 * with HANGAR_.
 */
import { z } from 'zod';
import { type Env, readEnv, secretSetting, setting } from '../shared/config/read-env.js';
import { bool, byteSize, duration, int, list } from '../shared/config/values.js';
import { ConfigError } from '../shared/errors.js';

export interface BotConfig {
  /** GitLab's base URL (DRONE_GITLAB_URL), without a trailing slash. */
  gitlabUrl: string;
  /** The bot user's access token (HANGAR_GITLAB_TOKEN). */
  gitlabToken: string;
  /** OAuth application id and secret (for the login that comes with the web UI). */
  gitlabClient?: string;
  gitlabSecret?: string;
  /** Clone credentials; the bot's token is used when they are absent. */
  gitUsername?: string;
  gitPassword?: string;
  /** Accept a self-signed GitLab certificate. */
  skipVerify: boolean;
  /** GitLab itself needs a login (DRONE_GITLAB_PRIVATE_MODE): every build gets clone credentials, public projects too. */
  privateMode: boolean;
  /** Give clone credentials to builds of public projects as well (DRONE_GIT_ALWAYS_AUTH). */
  gitAlwaysAuth: boolean;
  /** Anyone with a GitLab account may use the web UI (Drone's DRONE_OPEN). */
  open: boolean;
  /** GitLab usernames with admin rights (DRONE_ADMIN). */
  admins: readonly string[];
  /** The coordinator's shared secret, sent with every gRPC call. */
  droneSecret?: string;
  /** The coordinator's gRPC address, host:port. */
  coordinatorAddr: string;
  /** Where people reach Hangar: build links and the webhook URL start with it. */
  publicUrl: string;
  /** Bearer token of the REST API. */
  adminToken?: string;
  /** host:port the HTTP server listens on. */
  httpAddr: string;
  /** Commit statuses are named `<prefix>/<pipeline>`. */
  statusPrefix: string;
  /** Webhook bodies above this many bytes are refused with 413. */
  webhookMaxBytes: number;
  /** Deliveries accepted but not yet worked on; above it the hook answers 503. */
  webhookQueueLimit: number;
  /** At most one edit of a merge request's summary note per this many milliseconds. */
  summaryIntervalMs: number;
  natsUrl: string;
  /** Deadline of each call to the coordinator. */
  grpcDeadlineMs: number;
  /** How long GitLab calls may take. */
  gitlabTimeoutMs: number;
}

const httpUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'is not an http(s) URL; write it like https://gitlab.example.com' },
);

/** Drone's DRONE_HOST may be written without a scheme. */
const publicUrl = z.string().transform((s, ctx) => {
  const text = /^[a-z]+:\/\//i.test(s.trim()) ? s.trim() : `http://${s.trim()}`;
  try {
    const u = new URL(text);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '') {
      return text.replace(/\/+$/, '');
    }
  } catch {}
  ctx.addIssue({ code: 'custom', message: `'${s}' is not a URL; write it like https://ci.example.com` });
  return z.NEVER;
});

const hostPort = z.string().refine((s) => /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.test(s.trim()), {
  message: 'is not host:port; write it like 0.0.0.0:8000',
});

/** DRONE_SERVER may be a URL (Drone agents use http://drone:9000); the bot needs host:port. */
const serverAddr = z.string().transform((s, ctx) => {
  const t = s
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '');
  if (/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.test(t)) return t;
  if (/^[A-Za-z0-9.-]+$/.test(t)) return `${t}:9000`;
  ctx.addIssue({ code: 'custom', message: `'${s}' is not host:port; write it like coordinator:9000` });
  return z.NEVER;
});

const prefix = z.string().refine((s) => /^[A-Za-z0-9._-]{1,40}$/.test(s), {
  message: 'must be 1 to 40 letters, digits, ".", "_" or "-"',
});

const positive = (what: string) =>
  int.refine((n) => n > 0, { message: `must be a number of ${what} above 0` });

const SETTINGS = {
  gitlabUrl: setting('DRONE_GITLAB_URL', httpUrl),
  gitlabToken: secretSetting(['HANGAR_GITLAB_TOKEN', 'DRONE_GITLAB_TOKEN'], z.string()),
  gitlabClient: setting('DRONE_GITLAB_CLIENT', z.string()),
  gitlabSecret: secretSetting('DRONE_GITLAB_SECRET', z.string()),
  gitUsername: setting('DRONE_GITLAB_GIT_USERNAME', z.string()),
  gitPassword: secretSetting('DRONE_GITLAB_GIT_PASSWORD', z.string()),
  skipVerify: setting('DRONE_GITLAB_SKIP_VERIFY', bool, false),
  privateMode: setting('DRONE_GITLAB_PRIVATE_MODE', bool, false),
  gitAlwaysAuth: setting('DRONE_GIT_ALWAYS_AUTH', bool, false),
  open: setting('DRONE_OPEN', bool, false),
  admins: setting('DRONE_ADMIN', list, [] as string[]),
  droneSecret: secretSetting('DRONE_SECRET', z.string()),
  coordinatorAddr: setting('DRONE_SERVER', serverAddr, '127.0.0.1:9000'),
  publicUrl: setting(['HANGAR_PUBLIC_URL', 'DRONE_HOST'], publicUrl),
  adminToken: secretSetting('HANGAR_ADMIN_TOKEN', z.string()),
  httpAddr: setting('HANGAR_HTTP_ADDR', hostPort, '0.0.0.0:8000'),
  statusPrefix: setting('HANGAR_STATUS_PREFIX', prefix, 'hangar'),
  webhookMaxBytes: setting(
    'HANGAR_WEBHOOK_MAX_BYTES',
    byteSize.refine((n) => n >= 1024, { message: 'must be at least 1KiB; the default is 5MB' }),
    5 * 1000 * 1000,
  ),
  webhookQueueLimit: setting('HANGAR_WEBHOOK_QUEUE', positive('deliveries'), 1000),
  summaryIntervalMs: setting('HANGAR_SUMMARY_INTERVAL', duration, 5000),
  natsUrl: setting('HANGAR_NATS_URL', z.string(), 'nats://127.0.0.1:4222'),
  grpcDeadlineMs: setting('HANGAR_GRPC_DEADLINE', duration, 10_000),
  gitlabTimeoutMs: setting('HANGAR_GITLAB_TIMEOUT', duration, 15_000),
};

function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Reads and checks the bot's settings; a missing or bad value throws a ConfigError naming its variable. */
export function loadBotConfig(env: Env): Readonly<BotConfig> {
  const v = readEnv(env, SETTINGS);
  if (v.gitlabUrl === undefined) {
    throw new ConfigError(
      'DRONE_GITLAB_URL',
      'is required: set it to your GitLab address, like https://gitlab.example.com',
    );
  }
  if (v.gitlabToken === undefined) {
    throw new ConfigError(
      'HANGAR_GITLAB_TOKEN',
      "is required: create an access token with the 'api' scope for Hangar's bot user in GitLab and set it here",
    );
  }
  if ((v.gitUsername === undefined) !== (v.gitPassword === undefined)) {
    const missing = v.gitUsername === undefined ? 'DRONE_GITLAB_GIT_USERNAME' : 'DRONE_GITLAB_GIT_PASSWORD';
    throw new ConfigError(missing, 'is required when the other clone credential is set; set both or neither');
  }
  const [host, port] = splitHostPort(v.httpAddr);
  const fallbackPublic = `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}`;
  return Object.freeze(
    defined({
      gitlabUrl: v.gitlabUrl.replace(/\/+$/, ''),
      gitlabToken: v.gitlabToken,
      gitlabClient: v.gitlabClient,
      gitlabSecret: v.gitlabSecret,
      gitUsername: v.gitUsername,
      gitPassword: v.gitPassword,
      skipVerify: v.skipVerify,
      privateMode: v.privateMode,
      gitAlwaysAuth: v.gitAlwaysAuth,
      open: v.open,
      admins: Object.freeze([...v.admins]),
      droneSecret: v.droneSecret,
      coordinatorAddr: v.coordinatorAddr,
      publicUrl: v.publicUrl ?? fallbackPublic,
      adminToken: v.adminToken,
      httpAddr: v.httpAddr,
      statusPrefix: v.statusPrefix,
      webhookMaxBytes: v.webhookMaxBytes,
      webhookQueueLimit: v.webhookQueueLimit,
      summaryIntervalMs: v.summaryIntervalMs,
      natsUrl: v.natsUrl,
      grpcDeadlineMs: v.grpcDeadlineMs,
      gitlabTimeoutMs: v.gitlabTimeoutMs,
    }),
  );
}

/** '0.0.0.0:8000' → ['0.0.0.0', 8000]; '[::1]:8000' → ['::1', 8000]. */
export function splitHostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '');
  return [host, Number(addr.slice(i + 1))];
}
