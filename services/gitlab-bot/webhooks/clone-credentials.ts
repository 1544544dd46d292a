/**
 * Which builds get clone credentials, as Drone decides it: builds of private
 * and internal projects do; builds of public projects do not, unless GitLab
 * itself needs a login (DRONE_GITLAB_PRIVATE_MODE) or DRONE_GIT_ALWAYS_AUTH
 * asks for credentials everywhere. The credentials are
 * DRONE_GITLAB_GIT_USERNAME / _PASSWORD when set, else the bot's token.
 */
import type { Repo } from '../../coordinator/store/index.js';
import type { BotConfig } from '../config.js';

export type CloneCredentialConfig = Pick<
  BotConfig,
  'gitlabUrl' | 'gitlabToken' | 'gitUsername' | 'gitPassword' | 'privateMode' | 'gitAlwaysAuth'
>;

export interface Netrc {
  machine: string;
  login: string;
  password: string;
}

/** Whether a build of `repo` clones with credentials. */
export function needsCloneCredentials(cfg: CloneCredentialConfig, repo: Pick<Repo, 'visibility'>): boolean {
  return repo.visibility !== 'public' || cfg.privateMode || cfg.gitAlwaysAuth;
}

/** The clone credentials for a build of `repo`, or undefined when it clones without. */
export function netrcFor(
  cfg: CloneCredentialConfig,
  repo: Pick<Repo, 'cloneUrl' | 'visibility'>,
): Netrc | undefined {
  if (!needsCloneCredentials(cfg, repo)) return undefined;
  let machine: string;
  try {
    machine = new URL(repo.cloneUrl).hostname;
  } catch {
    machine = new URL(cfg.gitlabUrl).hostname;
  }
  if (cfg.gitUsername !== undefined && cfg.gitPassword !== undefined) {
    return { machine, login: cfg.gitUsername, password: cfg.gitPassword };
  }
  return { machine, login: 'oauth2', password: cfg.gitlabToken };
}
