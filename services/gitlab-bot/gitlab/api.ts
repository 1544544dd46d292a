import type {
  CommitState,
  GitLabAwardEmoji,
  GitLabCommit,
  GitLabCommitStatus,
  GitLabMergeRequest,
  GitLabNote,
  GitLabProject,
  GitLabProjectHook,
  GitLabUser,
} from './schemas.js';

/**
 * What the bot does with GitLab, and nothing more. Every method throws only
 * the adapter's error types (errors.ts); tests swap the implementation or
 * point it at the GitLab test double.
 */
export interface GitLabApi {
  /** The user the token belongs to (`GET /user`). */
  currentUser(): Promise<GitLabUser>;
  /** `GET /users/:id`. */
  user(id: number): Promise<GitLabUser>;
  /** A project by numeric id or full path (`group/sub/app`). */
  project(project: ProjectRef): Promise<GitLabProject>;
  /** A file's content at a commit, branch or tag; null when the file (or ref) does not exist. */
  fileRaw(project: ProjectRef, path: string, ref: string): Promise<string | null>;
  /** The commit a sha, branch or tag names; null when it names none. */
  commit(project: ProjectRef, ref: string): Promise<GitLabCommit | null>;
  /** Creates or moves the commit status named `name` on `sha`. */
  createCommitStatus(project: ProjectRef, status: CommitStatusInput): Promise<GitLabCommitStatus>;
  /** The latest status of each name on a commit (every one with `all`). */
  listCommitStatuses(
    project: ProjectRef,
    sha: string,
    filter?: { ref?: string; name?: string; all?: boolean },
  ): Promise<GitLabCommitStatus[]>;
  mergeRequest(project: ProjectRef, iid: number): Promise<GitLabMergeRequest>;
  createMergeRequestNote(project: ProjectRef, iid: number, body: string): Promise<GitLabNote>;
  /** GitLab lets only a note's author edit it. */
  editMergeRequestNote(project: ProjectRef, iid: number, noteId: number, body: string): Promise<GitLabNote>;
  /** Every note of a merge request, oldest first. */
  listMergeRequestNotes(project: ProjectRef, iid: number): Promise<GitLabNote[]>;
  /** Awards an emoji (name without colons) on a note; null when the bot had already awarded it. */
  awardNoteEmoji(
    project: ProjectRef,
    iid: number,
    noteId: number,
    name: string,
  ): Promise<GitLabAwardEmoji | null>;
  /** A user's access level on a project, inherited ones included; null when not a member. */
  memberAccessLevel(project: ProjectRef, userId: number): Promise<AccessLevel | null>;
  createProjectHook(project: ProjectRef, hook: ProjectHookInput): Promise<GitLabProjectHook>;
  /** False when the hook was already gone. */
  deleteProjectHook(project: ProjectRef, hookId: number): Promise<boolean>;
  listProjectHooks(project: ProjectRef): Promise<GitLabProjectHook[]>;
  /** Releases idle connections. */
  close(): void;
}

/** A numeric project id, or its full path. */
export type ProjectRef = number | string;

export interface CommitStatusInput {
  sha: string;
  state: CommitState;
  /** The status's name (GitLab's `name`/`context`); GitLab uses 'default' when absent. */
  name?: string;
  /** The branch or tag; for merge requests, the source branch. */
  ref?: string;
  targetUrl?: string;
  /** Cut to DESCRIPTION_MAX_CHARS. */
  description?: string;
  /** Which of several pipelines on the same commit to attach to. */
  pipelineId?: number;
}

export interface ProjectHookInput {
  url: string;
  /** Sent back by GitLab in `X-Gitlab-Token`. */
  token: string;
  pushEvents: boolean;
  tagPushEvents: boolean;
  mergeRequestsEvents: boolean;
  noteEvents: boolean;
  enableSslVerification: boolean;
}

/** GitLab's project roles. */
export const AccessLevel = {
  guest: 10,
  planner: 15,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
} as const;
export type AccessLevel = number;

export function accessLevelName(level: number): string {
  if (level >= 50) return 'Owner';
  if (level >= 40) return 'Maintainer';
  if (level >= 30) return 'Developer';
  if (level >= 20) return 'Reporter';
  if (level >= 15) return 'Planner';
  if (level >= 10) return 'Guest';
  return 'no access';
}

/** GitLab refuses commit-status descriptions (and target URLs) longer than this. */
export const DESCRIPTION_MAX_CHARS = 255;

/** Cuts text to GitLab's limit, counting characters as GitLab does (code points), ending with '…'. */
export function capDescription(text: string, max = DESCRIPTION_MAX_CHARS): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('')}…`;
}
