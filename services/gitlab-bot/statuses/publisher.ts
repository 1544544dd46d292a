/**
 * Turns builds into commit statuses in the durable outbox. Statuses of a
 * merge-request build go on the source project's commit (a fork's, when the
 * merge request comes from one) with the source branch as `ref`.
 */
import type { EnqueueResult, Repo, Store } from '../../coordinator/store/index.js';
import type { Logger } from '../../shared/log.js';
import type { BuildMessage } from '../api/build-service.js';
import type { GitLabApi } from '../gitlab/index.js';
import { type DesiredStatus, describeBuild } from './describe.js';
import type { OutboxWorker } from './outbox-worker.js';

/** Where a status goes. */
export interface StatusTarget {
  projectId: number;
  sha: string;
  ref: string;
  repoId: number;
  /** The build it comes from; 0 for statuses posted before any build exists (a missing file, a held build). */
  buildNumber: number;
}

export interface StatusPublisherOptions {
  store: Store;
  gitlab: GitLabApi;
  worker: Pick<OutboxWorker, 'kick'>;
  log: Logger;
  prefix: string;
  publicUrl: string;
}

const SOURCE_CACHE_LIMIT = 1000;

export class StatusPublisher {
  /** Merge requests from forks → source project id. */
  private readonly sources = new Map<string, number>();

  constructor(private readonly opts: StatusPublisherOptions) {}

  get prefix(): string {
    return this.opts.prefix;
  }

  async publish(target: StatusTarget, status: DesiredStatus): Promise<EnqueueResult> {
    const result = await this.opts.store.outbox.enqueue({ ...target, ...status });
    if (result === 'queued') this.opts.worker.kick();
    return result;
  }

  /** Queues the statuses a build's current state calls for. */
  async publishBuild(build: BuildMessage, repo: Repo): Promise<void> {
    const target = await this.targetOf(build, repo);
    const desired = describeBuild(build, { prefix: this.opts.prefix, publicUrl: this.opts.publicUrl });
    for (const status of desired) await this.publish(target, status);
  }

  async targetOf(build: BuildMessage, repo: Repo): Promise<StatusTarget> {
    const base = { sha: build.sha, repoId: repo.id, buildNumber: build.number };
    if (build.event === 'pull_request' || build.mergeRequestIid > 0) {
      const projectId = build.fork ? await this.sourceProject(repo, build.mergeRequestIid) : repo.projectId;
      return { ...base, projectId, ref: build.sourceBranch };
    }
    if (build.event === 'tag')
      return { ...base, projectId: repo.projectId, ref: build.ref.replace(/^refs\/tags\//, '') };
    return {
      ...base,
      projectId: repo.projectId,
      ref: build.branch || build.ref.replace(/^refs\/heads\//, ''),
    };
  }

  /** Remembers where a fork's merge request comes from (the webhook says so; this saves asking GitLab). */
  rememberSource(projectId: number, mrIid: number, sourceProjectId: number): void {
    if (this.sources.size >= SOURCE_CACHE_LIMIT) this.sources.clear();
    this.sources.set(`${projectId}!${mrIid}`, sourceProjectId);
  }

  private async sourceProject(repo: Repo, iid: number): Promise<number> {
    const key = `${repo.projectId}!${iid}`;
    const known = this.sources.get(key);
    if (known !== undefined) return known;
    const mr = await this.opts.gitlab.mergeRequest(repo.projectId, iid);
    this.rememberSource(repo.projectId, iid, mr.sourceProjectId);
    return mr.sourceProjectId;
  }
}
