import type { GitLabDouble } from './double.js';
import { commitInfo, commitsBetween, ZERO_SHA } from './git-repo.js';
import {
  commitValues,
  fixture,
  type Json,
  like,
  projectValues,
  repositoryValues,
  userValues,
} from './payload-parts.js';
import type { Project, User } from './state.js';

/** A Push Hook for `ref` moving from `before` to `after` (ZERO_SHA for a new or deleted branch). */
export async function pushPayload(
  d: GitLabDouble,
  p: Project,
  opts: { ref: string; before: string; after: string; user: User },
): Promise<Json> {
  const t = fixture('push');
  const ref = opts.ref.startsWith('refs/') ? opts.ref : `refs/heads/${opts.ref}`;
  const deleted = opts.after === ZERO_SHA;
  const shas = deleted ? [] : await commitsBetween(p.repoDir, opts.before, opts.after);
  // GitLab sends at most the 20 newest commits and counts them all.
  const commits = await Promise.all(
    shas.slice(-20).map(async (sha) => commitValues(d, p, await commitInfo(p.repoDir, sha))),
  );
  const commitTemplate = (t.commits as unknown[])[0];
  return like(t, {
    object_kind: 'push',
    event_name: 'push',
    before: opts.before,
    after: opts.after,
    ref,
    ref_protected: ref === `refs/heads/${p.defaultBranch}`,
    checkout_sha: deleted ? null : opts.after,
    user_id: opts.user.id,
    user_name: opts.user.name,
    user_username: opts.user.username,
    user_email: opts.user.email,
    user_avatar: userValues(d, opts.user).avatar_url,
    project_id: p.id,
    project: like(t.project, projectValues(d, p)),
    repository: like(t.repository, repositoryValues(d, p)),
    commits: commits.map((c) => like(commitTemplate, c)),
    total_commits_count: shas.length,
  });
}

/** A Tag Push Hook: a new tag when `before` is ZERO_SHA, a deleted one when `after` is. */
export async function tagPushPayload(
  d: GitLabDouble,
  p: Project,
  opts: { tag: string; before?: string; after: string; user: User },
): Promise<Json> {
  const t = fixture('tag_push');
  return like(t, {
    object_kind: 'tag_push',
    event_name: 'tag_push',
    before: opts.before ?? ZERO_SHA,
    after: opts.after,
    ref: `refs/tags/${opts.tag}`,
    ref_protected: false,
    checkout_sha: opts.after === ZERO_SHA ? null : opts.after,
    user_id: opts.user.id,
    user_name: opts.user.name,
    user_avatar: userValues(d, opts.user).avatar_url,
    project_id: p.id,
    project: like(t.project, projectValues(d, p)),
    repository: like(t.repository, repositoryValues(d, p)),
    commits: [],
    total_commits_count: 0,
  });
}
