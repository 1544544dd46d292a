import { z } from 'zod';

/**
 * The fields of GitLab's answers that Hangar relies on, checked on arrival and
 * renamed to camelCase. Everything else GitLab sends is dropped here.
 */

const id = z.number().int();
const text = z.string();
const optionalText = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

const userRef = z
  .object({ id, username: text, name: z.string().optional() })
  .transform((u) => ({ id: u.id, username: u.username, name: u.name ?? u.username }));

export const userSchema = z
  .object({
    id,
    username: text,
    name: text,
    state: z.string().optional(),
    bot: z.boolean().optional(),
    web_url: z.string().optional(),
  })
  .transform((u) => ({
    id: u.id,
    username: u.username,
    name: u.name,
    state: u.state ?? 'active',
    bot: u.bot ?? false,
    webUrl: u.web_url ?? null,
  }));
export type GitLabUser = z.output<typeof userSchema>;

export const projectSchema = z
  .object({
    id,
    name: text,
    path: text,
    path_with_namespace: text,
    default_branch: optionalText,
    web_url: text,
    http_url_to_repo: text,
    visibility: z.enum(['private', 'internal', 'public']).optional(),
    archived: z.boolean().optional(),
  })
  .transform((p) => ({
    id: p.id,
    name: p.name,
    path: p.path,
    pathWithNamespace: p.path_with_namespace,
    defaultBranch: p.default_branch,
    webUrl: p.web_url,
    httpUrlToRepo: p.http_url_to_repo,
    visibility: p.visibility ?? 'private',
    archived: p.archived ?? false,
  }));
export type GitLabProject = z.output<typeof projectSchema>;

export const commitSchema = z
  .object({
    id: text,
    title: text,
    message: text,
    author_name: text,
    author_email: text,
    web_url: z.string().optional(),
  })
  .transform((c) => ({
    sha: c.id,
    title: c.title,
    message: c.message,
    authorName: c.author_name,
    authorEmail: c.author_email,
    webUrl: c.web_url ?? null,
  }));
export type GitLabCommit = z.output<typeof commitSchema>;

export const COMMIT_STATES = ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'] as const;
export type CommitState = (typeof COMMIT_STATES)[number];

export const commitStatusSchema = z
  .object({
    id,
    sha: text,
    ref: optionalText,
    status: z.string(),
    name: text,
    target_url: optionalText,
    description: optionalText,
    pipeline_id: id.nullish(),
    created_at: optionalText,
    author: userRef.nullish(),
  })
  .transform((s) => ({
    id: s.id,
    sha: s.sha,
    ref: s.ref,
    /** GitLab's state; besides the six it accepts it may report 'created'. */
    status: s.status,
    name: s.name,
    targetUrl: s.target_url,
    description: s.description,
    pipelineId: s.pipeline_id ?? null,
    createdAt: s.created_at,
    author: s.author ?? null,
  }));
export type GitLabCommitStatus = z.output<typeof commitStatusSchema>;

export const mergeRequestSchema = z
  .object({
    id,
    iid: id,
    project_id: id,
    source_project_id: id,
    target_project_id: id,
    source_branch: text,
    target_branch: text,
    sha: optionalText,
    state: z.string(),
    title: text,
    web_url: text,
    author: userRef,
  })
  .transform((m) => ({
    id: m.id,
    iid: m.iid,
    projectId: m.project_id,
    sourceProjectId: m.source_project_id,
    targetProjectId: m.target_project_id,
    sourceBranch: m.source_branch,
    targetBranch: m.target_branch,
    /** The head commit of the source branch. */
    sha: m.sha,
    /** opened, closed, locked or merged. */
    state: m.state,
    title: m.title,
    webUrl: m.web_url,
    author: m.author,
  }));
export type GitLabMergeRequest = z.output<typeof mergeRequestSchema>;

export const noteSchema = z
  .object({
    id,
    body: text,
    author: userRef,
    system: z.boolean().optional(),
    created_at: text,
    updated_at: optionalText,
  })
  .transform((n) => ({
    id: n.id,
    body: n.body,
    author: n.author,
    system: n.system ?? false,
    createdAt: n.created_at,
    updatedAt: n.updated_at ?? n.created_at,
  }));
export type GitLabNote = z.output<typeof noteSchema>;

export const awardEmojiSchema = z
  .object({ id, name: text, user: userRef })
  .transform((a) => ({ id: a.id, name: a.name, user: a.user }));
export type GitLabAwardEmoji = z.output<typeof awardEmojiSchema>;

export const memberSchema = z
  .object({ id, username: text, access_level: z.number().int() })
  .transform((m) => ({ id: m.id, username: m.username, accessLevel: m.access_level }));

export const hookSchema = z
  .object({
    id,
    url: text,
    push_events: z.boolean(),
    tag_push_events: z.boolean(),
    merge_requests_events: z.boolean(),
    note_events: z.boolean(),
    enable_ssl_verification: z.boolean(),
  })
  .transform((h) => ({
    id: h.id,
    url: h.url,
    pushEvents: h.push_events,
    tagPushEvents: h.tag_push_events,
    mergeRequestsEvents: h.merge_requests_events,
    noteEvents: h.note_events,
    enableSslVerification: h.enable_ssl_verification,
  }));
export type GitLabProjectHook = z.output<typeof hookSchema>;
