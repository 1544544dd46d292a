/**
 * The secrets of `hangar exec`: values given with `--secret NAME=VALUE` and
 * files given with `--secret-file NAME=PATH`, by the name a pipeline asks for
 * them. Steps get those they ask for; the names in a pipeline's
 * `image_pull_secrets` become pull credentials, as a runner gets them from
 * the coordinator. There are no events, forks or image filters here, so no
 * secret rules: a secret that is missing or is not a Docker config JSON fails
 * the first pull with a sentence that says what to pass.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { errorMessage, HangarError } from '../../shared/errors.js';
import { planSpecs } from '../../shared/pipeline/specs.js';
import type { JobPlan } from '../../shared/pipeline/types.js';
import {
  imageHosts,
  onePerHost,
  type PullCredentials,
  pullSecretLogins,
  type RegistryCredential,
} from '../../shared/pull-credentials.js';

/** `NAME=VALUE` arguments of a flag as a record; the last of a name wins. */
export function namedValues(list: readonly string[], flag: string, shape: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new HangarError(`${flag} '${p}' is not ${shape}; write it like ${flag} ${shape}`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/** `~` and `~/...` as a shell would have expanded them (it does not after `NAME=` in every shell). */
function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

function unreadable(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ENOENT') return 'there is no such file';
  if (code === 'EACCES') return 'permission to read it is denied';
  if (code === 'EISDIR') return 'it is a directory';
  return errorMessage(err);
}

/** Secret values from `--secret NAME=VALUE` and `--secret-file NAME=PATH` (the file's content as it is). */
export function commandLineSecrets(
  values: readonly string[],
  files: readonly string[],
): Record<string, string> {
  const secrets = namedValues(values, '--secret', 'NAME=VALUE');
  for (const [name, path] of Object.entries(namedValues(files, '--secret-file', 'NAME=PATH'))) {
    if (Object.hasOwn(secrets, name)) {
      throw new HangarError(`secret '${name}' is given with both --secret and --secret-file; give it once`);
    }
    const file = expandHome(path);
    try {
      secrets[name] = readFileSync(file, 'utf8');
    } catch (err) {
      throw new HangarError(
        `--secret-file ${name}=${path}: cannot read ${file}: ${unreadable(err)}; give the path of a readable file`,
        { cause: err },
      );
    }
  }
  return secrets;
}

/**
 * The secrets a job's steps may get: all given, except those the pipeline
 * names only in `image_pull_secrets`, which are pull credentials and never
 * reach a step (nor the log masker) unless a step asks for them.
 */
export function stepSecrets(
  plan: JobPlan,
  secrets: Readonly<Record<string, string>>,
): Record<string, string> {
  const asked = new Set(planSpecs(plan).flatMap((s) => s.secrets.map((r) => r.source)));
  const pullOnly = new Set(plan.imagePullSecrets.filter((n) => !asked.has(n)));
  return Object.fromEntries(Object.entries(secrets).filter(([name]) => !pullOnly.has(name)));
}

/** The credentials a job pulls its images with: those of its `image_pull_secrets`, one per host. */
export function execPullCredentials(
  plan: JobPlan,
  secrets: Readonly<Record<string, string>>,
): PullCredentials {
  const hosts = imageHosts(plan);
  const out: PullCredentials = { registries: [], errors: [], notes: [] };
  const found: RegistryCredential[] = [];
  for (const name of new Set(plan.imagePullSecrets)) {
    const value = Object.hasOwn(secrets, name) ? secrets[name] : undefined;
    if (value === undefined) {
      out.errors.push(
        `image_pull_secrets: no secret '${name}' was given to hangar exec; ` +
          `pass it with --secret-file ${name}=$HOME/.docker/config.json`,
      );
      continue;
    }
    const config = pullSecretLogins(value, hosts);
    if (!config.ok) {
      out.errors.push(
        `image_pull_secrets: secret '${name}' is not a Docker config JSON: ${config.problem}; ` +
          `pass a config.json that holds the credentials under "auths" with --secret-file ${name}=PATH`,
      );
      continue;
    }
    found.push(...config.logins.map((l) => l.credential));
  }
  out.registries = onePerHost(found);
  return out;
}
