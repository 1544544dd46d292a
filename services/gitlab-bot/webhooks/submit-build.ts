/**
 * From an event to a build: read the pipeline file at the exact commit, add
 * the clone credentials, and ask the coordinator. A missing file becomes a
 * failed commit status naming the path that was looked for. Merge requests
 * from forks are held until `/hangar approve`.
 */
import type { HeldBuild, Repo } from '../../coordinator/store/index.js';
import type { BuildMessage, CreateBuildRequest } from '../api/build-service.js';
import type { StatusTarget } from '../statuses/publisher.js';
import { netrcFor } from './clone-credentials.js';
import type { HookContext, WebhookDeps } from './deps.js';

/** The request without `config` and `netrc`, which this module adds. */
export type BuildRequest = Omit<CreateBuildRequest, 'config' | 'netrc' | 'repo'>;

export interface SubmitOptions {
  /** Where a status about the file goes and under which ref. */
  statusProjectId?: number;
  statusRef: string;
  /** Hold the build until approved: a merge request from a fork. */
  hold?: { sourceProjectId: number; mrIid: number };
}

export type SubmitResult =
  | { kind: 'created'; build: BuildMessage }
  | { kind: 'no-file'; path: string }
  | { kind: 'held'; held: HeldBuild };

export function short(sha: string): string {
  return sha.slice(0, 8);
}

/** Holds the waiting status of a held build under the prefix alone: pipeline names are not known yet. */
export function heldStatusName(prefix: string): string {
  return prefix;
}

/**
 * Where the waiting status of a held build was posted, so approving or
 * cancelling ends that one: the target project's merge-request ref (holds
 * made before statuses of forks moved there carry the fork's branch instead).
 */
export function heldStatusTarget(held: HeldBuild, repoId: number): StatusTarget {
  const onTarget = held.ref.startsWith('refs/merge-requests/');
  return {
    projectId: onTarget ? held.projectId : held.sourceProjectId,
    sha: held.sha,
    ref: held.ref,
    repoId,
    buildNumber: 0,
  };
}

export async function submitBuild(
  hc: HookContext,
  req: BuildRequest,
  opts: SubmitOptions,
): Promise<SubmitResult> {
  const { deps, repo, log } = hc;
  const sha = req.sha ?? '';
  const path = repo.configPath;
  // Read in the repository's own project: GitLab keeps a fork's merge request head there too.
  const config = await deps.gitlab.fileRaw(repo.projectId, path, sha);
  const target = {
    projectId: opts.statusProjectId ?? repo.projectId,
    sha,
    ref: opts.statusRef,
    repoId: repo.id,
    buildNumber: 0,
  };
  if (config === null) {
    log.info({ path, sha }, 'no pipeline file at the commit; no build');
    await deps.statuses.publish(target, {
      name: deps.statuses.prefix,
      state: 'failed',
      description: `no pipeline file: ${path} was not found at ${short(sha)}; add it or change the repository's config path`,
      targetUrl: '',
    });
    return { kind: 'no-file', path };
  }
  if (opts.hold) {
    const held = await deps.store.heldBuilds.hold({
      repoId: repo.id,
      projectId: repo.projectId,
      sourceProjectId: opts.hold.sourceProjectId,
      mrIid: opts.hold.mrIid,
      sha,
      ref: opts.statusRef,
      request: { ...req, config },
    });
    await deps.statuses.publish(target, {
      name: heldStatusName(deps.statuses.prefix),
      state: 'pending',
      description:
        'waiting for /hangar approve: a Developer of the project must approve builds of merge requests from forks',
      targetUrl: '',
    });
    log.info({ held: held.id, sha, mr: opts.hold.mrIid }, 'build from a fork held for approval');
    return { kind: 'held', held };
  }
  const build = await createBuild(deps, repo, { ...req, config });
  log.info({ build: build.number, status: build.status, sha }, 'build created');
  await deps.statuses.publishBuild(build, repo);
  return { kind: 'created', build };
}

/** Sends a build request (with its file) to the coordinator, with fresh clone credentials when the repository needs them. */
export async function createBuild(
  deps: WebhookDeps,
  repo: Repo,
  req: BuildRequest & { config: string },
): Promise<BuildMessage> {
  const netrc = netrcFor(deps.cfg, repo);
  return deps.builds.createBuild({
    ...req,
    repo: { projectId: repo.projectId },
    ...(netrc === undefined ? {} : { netrc }),
  });
}

/**
 * Releases a held fork build (for `/hangar approve`): marks it released, asks
 * the coordinator for the build, and ends the waiting status. Returns the
 * build, or undefined when the hold was not waiting any more.
 */
export async function releaseHeldBuild(
  deps: WebhookDeps,
  held: HeldBuild,
  approvedBy: string,
): Promise<BuildMessage | undefined> {
  if (!(await deps.store.heldBuilds.release(held.id, approvedBy))) return undefined;
  const repo = await deps.store.repos.get(held.repoId);
  if (repo === undefined) return undefined;
  let build: BuildMessage;
  try {
    build = await createBuild(deps, repo, held.request as BuildRequest & { config: string });
  } catch (err) {
    await deps.store.heldBuilds.reopen(held.id);
    throw err;
  }
  await deps.store.heldBuilds.setBuildNumber(held.id, build.number);
  await deps.statuses.publish(heldStatusTarget(held, repo.id), {
    name: heldStatusName(deps.statuses.prefix),
    state: 'success',
    description: `approved by @${approvedBy}; build ${build.number} started`,
    targetUrl: '',
  });
  await deps.statuses.publishBuild(build, repo);
  return build;
}
