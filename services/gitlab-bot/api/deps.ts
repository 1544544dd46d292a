import type { Repo, Store } from '../../coordinator/store/index.js';
import type { Logger } from '../../shared/log.js';
import type { GitLabApi } from '../gitlab/api.js';
import type { BuildCalls, BuildMessage } from './build-service.js';

/** What the REST API works with. */
export interface ApiDeps {
  store: Store;
  gitlab: GitLabApi;
  builds: BuildCalls;
  /** HANGAR_ADMIN_TOKEN; without it every API request is refused. */
  adminToken?: string;
  /** Where people and GitLab reach Hangar (webhook URL, build links), without a trailing slash. */
  publicUrl: string;
  log: Logger;
  /** Clone credentials for the builds the API creates (DRONE_GITLAB_GIT_* or the bot's token); undefined when the repository clones without. */
  netrc?: (repo: Repo) => { machine: string; login: string; password: string } | undefined;
  /** Told of each build the API creates or restarts, to post its first commit statuses. */
  onBuild?: (build: BuildMessage, repo: Repo) => Promise<void>;
}
