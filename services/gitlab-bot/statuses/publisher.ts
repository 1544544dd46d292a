/**
 * Turns builds into commit statuses in the durable outbox. Statuses of a
 * merge-request build go on the merge request's head commit in the project
 * the build belongs to: with the source branch as `ref` when the branch is in
 * that project, and with the merge request's own ref
 * (`refs/merge-requests/<iid>/head`, which GitLab keeps in the target project)
 * when it comes from a fork. The bot usually has no role in a fork, and the
 * merge request page shows the target project's statuses either way.
 */
import type { EnqueueResult, Repo, Store } from '../../coordinator/store/index.js';
import type { Logger } from '../../shared/log.js';
import type { BuildMessage } from '../api/build-service.js';
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
  worker: Pick<OutboxWorker, 'kick'>;
  log: Logger;
  prefix: string;
  publicUrl: string;
}

/** The ref GitLab keeps a merge request's head under, in the target project. */
export function mergeRequestRef(iid: number): string {
  return `refs/merge-requests/${iid}/head`;
}

/** Where the statuses of a merge request's builds go: project and ref. */
export function mergeRequestStatusPlace(mr: {
  targetProjectId: number;
  sourceProjectId: number;
  iid: number;
  sourceBranch: string;
}): { projectId: number; ref: string } {
  if (mr.sourceProjectId !== mr.targetProjectId) {
    return { projectId: mr.targetProjectId, ref: mergeRequestRef(mr.iid) };
  }
  return { projectId: mr.targetProjectId, ref: mr.sourceBranch };
}

export class StatusPublisher {
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
    const target = this.targetOf(build, repo);
    const desired = describeBuild(build, { prefix: this.opts.prefix, publicUrl: this.opts.publicUrl });
    for (const status of desired) await this.publish(target, status);
  }

  targetOf(build: BuildMessage, repo: Repo): StatusTarget {
    const base = { sha: build.sha, repoId: repo.id, buildNumber: build.number };
    if (build.event === 'pull_request' || build.mergeRequestIid > 0) {
      const ref = build.fork ? mergeRequestRef(build.mergeRequestIid) : build.sourceBranch;
      return { ...base, projectId: repo.projectId, ref };
    }
    if (build.event === 'tag')
      return { ...base, projectId: repo.projectId, ref: build.ref.replace(/^refs\/tags\//, '') };
    return {
      ...base,
      projectId: repo.projectId,
      ref: build.branch || build.ref.replace(/^refs\/heads\//, ''),
    };
  }
}
