import { readFileSync } from 'node:fs';
import type { GitLabDouble } from './double.js';
import { type CommitInfo, commitInfo, commitsBetween, resolveCommit, ZERO_SHA } from './git-repo.js';
import { headSha } from './routes/merge-requests.js';
import type { MergeRequest, Note, Project, User } from './state.js';

/**
 * Webhook payloads built from GitLab's own examples (fixtures/), with the
 * double's project, commits, users and merge requests filled in. Each object
 * keeps exactly the keys (and key order) of the example it comes from.
 */

type Json = Record<string, unknown>;

const FIXTURES = new URL('./fixtures/', import.meta.url);

export function fixture(name: 'push' | 'tag_push' | 'merge_request' | 'note_merge_request'): Json {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as Json;
}

/** The keys of `template`, in its order, with values from `values`; a key `values` lacks is a bug here. */
function like(template: unknown, values: Json): Json {
  const out: Json = {};
  for (const key of Object.keys(template as Json)) {
    if (!(key in values)) throw new Error(`payload builder has no value for '${key}'`);
    out[key] = values[key];
  }
  return out;
}

const VISIBILITY_LEVEL = { private: 0, internal: 10, public: 20 } as const;

function projectValues(d: GitLabDouble, p: Project): Json {
  const s = d.state;
  return {
    id: p.id,
    name: p.name,
    description: '',
    web_url: s.webUrl(p),
    avatar_url: null,
    git_ssh_url: s.sshUrl(p),
    git_http_url: s.gitUrl(p),
    namespace: p.namespace.split('/').pop() ?? p.namespace,
    visibility_level: VISIBILITY_LEVEL[p.visibility],
    path_with_namespace: p.pathWithNamespace,
    default_branch: p.defaultBranch,
    ci_config_path: '',
    homepage: s.webUrl(p),
    url: s.sshUrl(p),
    ssh_url: s.sshUrl(p),
    http_url: s.gitUrl(p),
  };
}

function repositoryValues(d: GitLabDouble, p: Project): Json {
  return {
    name: p.name,
    url: d.state.sshUrl(p),
    description: '',
    homepage: d.state.webUrl(p),
    git_http_url: d.state.gitUrl(p),
    git_ssh_url: d.state.sshUrl(p),
    visibility_level: VISIBILITY_LEVEL[p.visibility],
  };
}

function userValues(d: GitLabDouble, u: User): Json {
  return {
    id: u.id,
    name: u.name,
    username: u.username,
    avatar_url: `${d.url}/uploads/-/system/user/avatar/${u.id}/avatar.png`,
    email: u.email,
  };
}

function commitValues(d: GitLabDouble, p: Project, c: CommitInfo): Json {
  return {
    id: c.sha,
    message: c.message,
    title: c.title,
    timestamp: c.timestamp,
    url: `${d.state.webUrl(p)}/-/commit/${c.sha}`,
    author: { name: c.author.name, email: c.author.email },
    added: c.added,
    modified: c.modified,
    removed: c.removed,
  };
}

/** "2015-05-17 18:21:36 UTC", the time format of note payloads. */
function utc(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

/** "2013-12-03T17:23:34Z", the time format of merge request payloads. */
function zulu(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}

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

export type MergeRequestAction = 'open' | 'reopen' | 'update' | 'close' | 'merge' | 'approved' | 'unapproved';

const STATE_ID = { opened: 1, closed: 2, merged: 3, locked: 4 } as const;

async function mergeRequestParts(d: GitLabDouble, mr: MergeRequest) {
  const target = d.state.projectById(mr.projectId);
  const source = d.state.projectById(mr.sourceProjectId);
  if (!target || !source) throw new Error(`merge request !${mr.iid} has no project`);
  const sha = (await headSha(d.state, mr)) ?? (await resolveCommit(target.repoDir, mr.targetBranch));
  if (!sha) throw new Error(`merge request !${mr.iid} has no head commit`);
  const last = await commitInfo(source.repoDir, sha);
  const lastCommit = {
    id: last.sha,
    message: last.message,
    title: last.title,
    timestamp: last.timestamp,
    url: `${d.state.webUrl(source)}/-/commit/${last.sha}`,
    author: { name: last.author.name, email: last.author.email },
  };
  return { target, source, lastCommit, url: `${d.state.webUrl(target)}/-/merge_requests/${mr.iid}` };
}

/**
 * A Merge Request Hook. For `update`, `oldrev` (the previous head) marks new
 * commits; without it the update is about metadata (`changes` says what).
 */
export async function mergeRequestPayload(
  d: GitLabDouble,
  mr: MergeRequest,
  opts: { action: MergeRequestAction; user: User; oldrev?: string; changes?: Json },
): Promise<Json> {
  const t = fixture('merge_request');
  const oa = t.object_attributes as Json;
  const { target, source, lastCommit, url } = await mergeRequestParts(d, mr);
  const attributes = like(oa, {
    id: mr.id,
    iid: mr.iid,
    target_branch: mr.targetBranch,
    source_branch: mr.sourceBranch,
    source_project_id: mr.sourceProjectId,
    author_id: mr.authorId,
    assignee_ids: [],
    assignee_id: null,
    reviewer_ids: [],
    title: mr.title,
    created_at: zulu(mr.createdAt),
    updated_at: zulu(mr.updatedAt),
    last_edited_at: null,
    last_edited_by_id: null,
    milestone_id: null,
    state_id: STATE_ID[mr.state],
    state: mr.state,
    blocking_discussions_resolved: true,
    work_in_progress: false,
    draft: false,
    first_contribution: false,
    merge_status: 'can_be_merged',
    target_project_id: mr.projectId,
    description: mr.description,
    prepared_at: zulu(mr.createdAt),
    total_time_spent: 0,
    time_change: 0,
    human_total_time_spent: null,
    human_time_change: null,
    human_time_estimate: null,
    url,
    source: like(oa.source, projectValues(d, source)),
    target: like(oa.target, projectValues(d, target)),
    last_commit: like(oa.last_commit, lastCommit),
    labels: [],
    action: opts.action,
    detailed_merge_status: 'mergeable',
  });
  // GitLab adds `oldrev` only to updates that brought new commits.
  if (opts.action === 'update' && opts.oldrev !== undefined) attributes.oldrev = opts.oldrev;
  return like(t, {
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: like(t.user, userValues(d, opts.user)),
    project: like(t.project, projectValues(d, target)),
    repository: like(t.repository, repositoryValues(d, target)),
    object_attributes: attributes,
    labels: [],
    changes: opts.changes ?? {},
    assignees: [],
    reviewers: [],
  });
}

/** A Note Hook for a comment on a merge request. */
export async function notePayload(d: GitLabDouble, mr: MergeRequest, note: Note): Promise<Json> {
  const t = fixture('note_merge_request');
  const tm = t.merge_request as Json;
  const author = d.state.user(note.authorId);
  if (!author) throw new Error(`note ${note.id} has no author`);
  const { target, source, lastCommit, url } = await mergeRequestParts(d, mr);
  return like(t, {
    object_kind: 'note',
    event_type: 'note',
    user: like(t.user, userValues(d, author)),
    project_id: target.id,
    project: like(t.project, projectValues(d, target)),
    repository: like(t.repository, repositoryValues(d, target)),
    object_attributes: like(t.object_attributes, {
      id: note.id,
      note: note.body,
      noteable_type: 'MergeRequest',
      author_id: note.authorId,
      created_at: utc(note.createdAt),
      updated_at: utc(note.updatedAt),
      project_id: target.id,
      attachment: null,
      line_code: null,
      commit_id: '',
      noteable_id: mr.id,
      system: note.system,
      st_diff: null,
      action: 'create',
      url: `${url}#note_${note.id}`,
    }),
    merge_request: like(tm, {
      id: mr.id,
      target_branch: mr.targetBranch,
      source_branch: mr.sourceBranch,
      source_project_id: mr.sourceProjectId,
      author_id: mr.authorId,
      assignee_id: null,
      title: mr.title,
      created_at: utc(mr.createdAt),
      updated_at: utc(mr.updatedAt),
      milestone_id: null,
      state: mr.state,
      merge_status: 'can_be_merged',
      target_project_id: mr.projectId,
      iid: mr.iid,
      description: mr.description,
      position: 0,
      labels: [],
      source: like(tm.source, projectValues(d, source)),
      target: like(tm.target, projectValues(d, target)),
      last_commit: like(tm.last_commit, lastCommit),
      work_in_progress: false,
      draft: false,
      assignee: null,
      detailed_merge_status: 'mergeable',
    }),
  });
}
