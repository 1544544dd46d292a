import type { Repo, Store } from '../../coordinator/store/index.js';
import type { Logger } from '../../shared/log.js';
import type { BuildCalls } from '../api/build-service.js';
import type { BotConfig } from '../config.js';
import type { GitLabApi } from '../gitlab/index.js';
import type { StatusPublisher } from '../statuses/publisher.js';

/** What the webhook handlers work with. */
export interface WebhookDeps {
  cfg: Pick<
    BotConfig,
    | 'gitlabUrl'
    | 'gitlabToken'
    | 'gitUsername'
    | 'gitPassword'
    | 'statusPrefix'
    | 'publicUrl'
    | 'privateMode'
    | 'gitAlwaysAuth'
  >;
  store: Store;
  gitlab: GitLabApi;
  builds: BuildCalls;
  statuses: StatusPublisher;
  /** The comment-command dispatcher, when there is one. */
  onNote?: (payload: unknown, log: Logger) => Promise<void>;
}

/** One delivery being worked on. */
export interface HookContext {
  deps: WebhookDeps;
  repo: Repo;
  log: Logger;
}
