import type { GitLabDouble } from './double.js';
import { commitInfo, resolveCommit } from './git-repo.js';
import {
  fixture,
  type Json,
  like,
  projectValues,
  repositoryValues,
  userValues,
  utc,
  zulu,
} from './payload-parts.js';
import { headSha } from './routes/merge-requests.js';
import type { MergeRequest, Note, User } from './state.js';

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
