/**
 * The JSON shapes the REST API answers with (snake_case, as Drone's and
 * GitLab's APIs write them). Times are ISO 8601 strings, null when unset.
 */
import type { Registry, Repo, Secret } from '../../coordinator/store/types.js';
import type { BuildMessage, RunnerMessage } from './build-service.js';

export function isoTime(ms: number | undefined | null): string | null {
  return ms === undefined || ms === null || ms <= 0 ? null : new Date(ms).toISOString();
}

export function presentRepo(r: Repo) {
  return {
    id: r.id,
    project_id: r.projectId,
    slug: r.slug,
    clone_url: r.cloneUrl,
    web_url: r.webUrl,
    default_branch: r.defaultBranch,
    active: r.active,
    hook_id: r.hookId ?? null,
    config_path: r.configPath,
    trusted: r.trusted,
    timeout: r.timeoutMinutes,
    concurrency: r.concurrency,
    cancel_previous: r.cancelPrevious,
    allow_fork_secrets: r.allowForkSecrets,
    visibility: r.visibility,
    build_counter: r.buildCounter,
    created_at: isoTime(r.createdAt),
    updated_at: isoTime(r.updatedAt),
  };
}
export type RepoJson = ReturnType<typeof presentRepo>;

/** 'SUCCESS' → 'success'; the vocabulary of Drone's API. */
export function statusText(s: string): string {
  return s === 'STATUS_UNSPECIFIED' ? 'unknown' : s.toLowerCase();
}

export function presentBuild(b: BuildMessage, publicUrl: string) {
  return {
    id: b.id,
    number: b.number,
    repo: b.repoSlug,
    status: statusText(b.status),
    event: b.event,
    ref: b.ref,
    branch: b.branch,
    sha: b.sha,
    message: b.message,
    title: b.title,
    author: b.author,
    source_branch: b.sourceBranch,
    target_branch: b.targetBranch,
    merge_request_iid: b.mergeRequestIid > 0 ? b.mergeRequestIid : null,
    fork: b.fork,
    link: b.link,
    error: b.error,
    parent: b.parent > 0 ? b.parent : null,
    params: b.params,
    url: `${publicUrl}/${b.repoSlug}/${b.number}`,
    created_at: isoTime(b.createdMs),
    started_at: isoTime(b.startedMs),
    finished_at: isoTime(b.finishedMs),
    pipelines: b.jobs.map((j) => ({
      number: j.number,
      name: j.name,
      axis: j.axis,
      status: statusText(j.status),
      depends_on: j.dependsOn,
      runner: j.runner,
      attempt: j.attempt,
      error: j.error,
      started_at: isoTime(j.startedMs),
      finished_at: isoTime(j.finishedMs),
      steps: j.steps.map((s) => ({
        number: s.number,
        name: s.name,
        status: statusText(s.status),
        exit_code: s.exitCode,
        oom_killed: s.oomKilled,
        error: s.error,
        started_at: isoTime(s.startedMs),
        finished_at: isoTime(s.finishedMs),
      })),
    })),
  };
}
export type BuildJson = ReturnType<typeof presentBuild>;

export function presentSecret(s: Secret) {
  return {
    name: s.name,
    events: s.events,
    images: s.images,
    created_at: isoTime(s.createdAt),
    updated_at: isoTime(s.updatedAt),
  };
}
export type SecretJson = ReturnType<typeof presentSecret>;

export function presentRegistry(r: Registry) {
  return {
    address: r.address,
    username: r.username,
    created_at: isoTime(r.createdAt),
    updated_at: isoTime(r.updatedAt),
  };
}
export type RegistryJson = ReturnType<typeof presentRegistry>;

export function presentRunner(r: RunnerMessage) {
  return {
    id: r.id,
    name: r.name,
    labels: r.labels,
    platform: r.platform,
    capacity: r.capacity,
    version: r.version,
    running: r.running,
    last_seen_at: isoTime(r.lastSeenMs),
  };
}
export type RunnerJson = ReturnType<typeof presentRunner>;
