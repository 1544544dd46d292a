import type { Award, CommitStatus, DoubleState, Hook, MergeRequest, Note, Project, User } from './state.js';

/** The JSON shapes of GitLab's API entities (the fields the API documents), built from the double's state. */

export function userBasic(state: DoubleState, user: User) {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: 'active',
    locked: false,
    avatar_url: null,
    web_url: `${state.baseUrl}/${user.username}`,
  };
}

export function userFull(state: DoubleState, user: User, self: boolean) {
  return {
    ...userBasic(state, user),
    created_at: user.createdAt,
    bio: '',
    bot: user.bot,
    ...(self ? { email: user.email, is_admin: user.admin, can_create_project: true } : {}),
  };
}

export function project(state: DoubleState, p: Project) {
  return {
    id: p.id,
    description: '',
    name: p.name,
    name_with_namespace: p.pathWithNamespace.split('/').join(' / '),
    path: p.path,
    path_with_namespace: p.pathWithNamespace,
    created_at: p.createdAt,
    default_branch: p.defaultBranch,
    visibility: p.visibility,
    archived: false,
    ssh_url_to_repo: state.sshUrl(p),
    http_url_to_repo: state.gitUrl(p),
    web_url: state.webUrl(p),
    namespace: {
      path: p.namespace.split('/').pop() ?? p.namespace,
      full_path: p.namespace,
      kind: state.groups.has(p.namespace) ? 'group' : 'user',
    },
  };
}

export function commitStatus(state: DoubleState, s: CommitStatus) {
  const author = state.user(s.userId);
  return {
    id: s.id,
    sha: s.sha,
    ref: s.ref,
    status: s.status,
    name: s.name,
    target_url: s.targetUrl,
    description: s.description,
    created_at: s.createdAt,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
    allow_failure: false,
    coverage: s.coverage,
    pipeline_id: s.pipelineId,
    author: author ? userBasic(state, author) : null,
  };
}

export function mergeRequest(state: DoubleState, mr: MergeRequest, sha: string | null) {
  const target = state.projectById(mr.projectId);
  const author = state.user(mr.authorId);
  return {
    id: mr.id,
    iid: mr.iid,
    project_id: mr.projectId,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    created_at: mr.createdAt,
    updated_at: mr.updatedAt,
    target_branch: mr.targetBranch,
    source_branch: mr.sourceBranch,
    source_project_id: mr.sourceProjectId,
    target_project_id: mr.projectId,
    author: author ? userBasic(state, author) : null,
    draft: false,
    work_in_progress: false,
    merge_status: 'can_be_merged',
    sha,
    web_url: target ? `${state.webUrl(target)}/-/merge_requests/${mr.iid}` : '',
  };
}

export function note(state: DoubleState, mr: MergeRequest, n: Note) {
  const author = state.user(n.authorId);
  return {
    id: n.id,
    type: null,
    body: n.body,
    attachment: null,
    author: author ? userBasic(state, author) : null,
    created_at: n.createdAt,
    updated_at: n.updatedAt,
    system: n.system,
    noteable_id: mr.id,
    noteable_type: 'MergeRequest',
    noteable_iid: mr.iid,
    project_id: mr.projectId,
    resolvable: false,
    confidential: false,
    internal: false,
  };
}

export function award(state: DoubleState, n: Note, a: Award) {
  const user = state.user(a.userId);
  return {
    id: a.id,
    name: a.name,
    user: user ? userBasic(state, user) : null,
    created_at: a.createdAt,
    updated_at: a.createdAt,
    awardable_id: n.id,
    awardable_type: 'Note',
  };
}

export function member(state: DoubleState, user: User, level: number) {
  return {
    ...userBasic(state, user),
    access_level: level,
    created_at: user.createdAt,
    expires_at: null,
    membership_state: 'active',
  };
}

export function hook(h: Hook) {
  return {
    id: h.id,
    url: h.url,
    project_id: h.projectId,
    push_events: h.pushEvents,
    push_events_branch_filter: null,
    issues_events: false,
    confidential_issues_events: false,
    merge_requests_events: h.mergeRequestsEvents,
    tag_push_events: h.tagPushEvents,
    note_events: h.noteEvents,
    confidential_note_events: false,
    job_events: false,
    pipeline_events: false,
    wiki_page_events: false,
    deployment_events: false,
    releases_events: false,
    enable_ssl_verification: h.enableSslVerification,
    created_at: h.createdAt,
    alert_status: 'executable',
  };
}
