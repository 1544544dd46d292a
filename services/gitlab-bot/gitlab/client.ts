import {
  Commits,
  MergeRequestNoteAwardEmojis,
  MergeRequestNotes,
  MergeRequests,
  ProjectHooks,
  ProjectMembers,
  Projects,
  RepositoryFiles,
  Users,
} from '@gitbeaker/rest';
import { z } from 'zod';
import { type AccessLevel, capDescription, type GitLabApi, type ProjectRef } from './api.js';
import { GitLabNotFoundError, GitLabResponseError } from './errors.js';
import { mapGitLabError, type Requirement } from './map-error.js';
import {
  awardEmojiSchema,
  commitSchema,
  commitStatusSchema,
  hookSchema,
  memberSchema,
  mergeRequestSchema,
  noteSchema,
  projectSchema,
  userSchema,
} from './schemas.js';
import { createTransport } from './transport.js';

/** gitbeaker's type lacks 'skipped', which current GitLab accepts. */
type GitbeakerStatus = Parameters<Commits['editStatus']>[2];

export interface GitLabClientOptions {
  /** GitLab's base address (DRONE_GITLAB_URL), e.g. https://gitlab.example.com. */
  url: string;
  /** A personal, project or group access token of the bot user. */
  token: string;
  /** Accept a self-signed certificate (DRONE_GITLAB_SKIP_VERIFY). */
  skipVerify?: boolean;
  /** The variable the token was read from, named in error messages. */
  tokenVariable?: string;
  /** Per-request time limit; default 30 s. */
  timeoutMs?: number;
}

/** The real GitLab adapter: gitbeaker's resource classes over Hangar's transport. */
export function createGitLabApi(opts: GitLabClientOptions): GitLabApi {
  const host = opts.url.replace(/\/+$/, '');
  const tokenVariable = opts.tokenVariable ?? 'HANGAR_GITLAB_TOKEN';
  const transport = createTransport({
    skipVerify: opts.skipVerify ?? false,
    timeoutMs: opts.timeoutMs ?? 30_000,
  });
  const config = { host, token: opts.token, requesterFn: transport.requesterFn, queryTimeout: null };
  const users = new Users(config);
  const projects = new Projects(config);
  const files = new RepositoryFiles(config);
  const commits = new Commits(config);
  const mergeRequests = new MergeRequests(config);
  const notes = new MergeRequestNotes(config);
  const noteAwards = new MergeRequestNoteAwardEmojis(config);
  const members = new ProjectMembers(config);
  const hooks = new ProjectHooks(config);

  async function call<S extends z.ZodType>(
    req: Requirement,
    schema: S,
    fn: () => Promise<unknown>,
  ): Promise<z.output<S>> {
    let body: unknown;
    try {
      body = await fn();
    } catch (err) {
      throw mapGitLabError(err, { ...req, host, tokenVariable });
    }
    return check(req, schema, body);
  }

  function check<S extends z.ZodType>(req: Requirement, schema: S, body: unknown): z.output<S> {
    const r = schema.safeParse(body);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the body';
    throw new GitLabResponseError(
      `GitLab at ${host} answered "${req.action}" on ${req.target} without the expected field ${where} (${issue?.message ?? 'invalid'}); check that DRONE_GITLAB_URL points at GitLab's API.`,
      { cause: r.error },
    );
  }

  const p = (project: ProjectRef) => `project ${project}`;
  const mr = (project: ProjectRef, iid: number) => `merge request !${iid} of project ${project}`;

  return {
    currentUser: () =>
      call({ action: 'read the bot user', target: '/user', scope: 'read_user' }, userSchema, () =>
        users.showCurrentUser(),
      ),

    user: (id) =>
      call({ action: 'read a user', target: `user ${id}`, scope: 'read_user' }, userSchema, () =>
        users.show(id),
      ),

    project: (project) =>
      call(
        { action: 'read the project', target: p(project), scope: 'read_api', role: 'Guest' },
        projectSchema,
        () => projects.show(project),
      ),

    async fileRaw(project, path, ref) {
      const req: Requirement = {
        action: `read ${path} at ${ref}`,
        target: p(project),
        scope: 'read_api',
        role: 'Reporter',
      };
      let body: unknown;
      try {
        body = await files.showRaw(project, path, ref);
      } catch (err) {
        const e = mapGitLabError(err, { ...req, host, tokenVariable });
        if (e instanceof GitLabNotFoundError && !/Project/i.test(e.gitlabMessage)) return null;
        throw e;
      }
      if (typeof body === 'string') return body;
      if (body instanceof Blob) return body.text();
      if (body && typeof body === 'object') return JSON.stringify(body);
      throw new GitLabResponseError(
        `GitLab at ${host} answered "${req.action}" on ${req.target} with no file content; check that DRONE_GITLAB_URL points at GitLab's API.`,
      );
    },

    async commit(project, ref) {
      try {
        return await call(
          { action: `read commit ${ref}`, target: p(project), scope: 'read_api', role: 'Reporter' },
          commitSchema,
          () => commits.show(project, ref),
        );
      } catch (err) {
        if (err instanceof GitLabNotFoundError && !/Project/i.test(err.gitlabMessage)) return null;
        throw err;
      }
    },

    createCommitStatus: (project, s) =>
      call(
        {
          action: `post the ${s.state} status of ${s.sha.slice(0, 8)}`,
          target: p(project),
          scope: 'api',
          role: 'Developer',
        },
        commitStatusSchema,
        () =>
          commits.editStatus(project, s.sha, s.state as GitbeakerStatus, {
            ...(s.name === undefined ? {} : { name: s.name }),
            ...(s.ref === undefined ? {} : { ref: s.ref }),
            ...(s.targetUrl === undefined ? {} : { targetUrl: s.targetUrl }),
            ...(s.description === undefined ? {} : { description: capDescription(s.description) }),
            ...(s.pipelineId === undefined ? {} : { pipelineId: s.pipelineId }),
          }),
      ),

    listCommitStatuses: (project, sha, filter = {}) =>
      call(
        {
          action: `list the statuses of ${sha.slice(0, 8)}`,
          target: p(project),
          scope: 'read_api',
          role: 'Reporter',
        },
        z.array(commitStatusSchema),
        // perPage is a pagination parameter GitLab accepts here; gitbeaker's type omits it.
        () => commits.allStatuses(project, sha, { ...filter, ...({ perPage: 100 } as object) }),
      ),

    mergeRequest: (project, iid) =>
      call(
        { action: 'read the merge request', target: mr(project, iid), scope: 'read_api', role: 'Guest' },
        mergeRequestSchema,
        () => mergeRequests.show(project, iid),
      ),

    createMergeRequestNote: (project, iid, body) =>
      call({ action: 'comment', target: mr(project, iid), scope: 'api', role: 'Guest' }, noteSchema, () =>
        notes.create(project, iid, body),
      ),

    editMergeRequestNote: (project, iid, noteId, body) =>
      call({ action: `edit note ${noteId}`, target: mr(project, iid), scope: 'api' }, noteSchema, () =>
        notes.edit(project, iid, noteId, { body }),
      ),

    listMergeRequestNotes: (project, iid) =>
      call(
        { action: 'list the notes', target: mr(project, iid), scope: 'read_api', role: 'Guest' },
        z.array(noteSchema),
        () => notes.all(project, iid, { sort: 'asc', orderBy: 'created_at', perPage: 100 }),
      ),

    async awardNoteEmoji(project, iid, noteId, name) {
      try {
        return await call(
          {
            action: `award :${name}: on note ${noteId}`,
            target: mr(project, iid),
            scope: 'api',
            role: 'Guest',
          },
          awardEmojiSchema,
          () => noteAwards.award(project, iid, noteId, name),
        );
      } catch (err) {
        // GitLab answers a repeated award with 404 "Award Emoji Name has already been taken".
        if (err instanceof GitLabNotFoundError && /already been taken/i.test(err.gitlabMessage)) return null;
        throw err;
      }
    },

    async memberAccessLevel(project, userId): Promise<AccessLevel | null> {
      try {
        const m = await call(
          {
            action: `read the membership of user ${userId}`,
            target: p(project),
            scope: 'read_api',
            role: 'Guest',
          },
          memberSchema,
          () => members.show(project, userId, { includeInherited: true }),
        );
        return m.accessLevel;
      } catch (err) {
        if (err instanceof GitLabNotFoundError && !/Project/i.test(err.gitlabMessage)) return null;
        throw err;
      }
    },

    createProjectHook: (project, h) =>
      call(
        { action: 'create a webhook', target: p(project), scope: 'api', role: 'Maintainer' },
        hookSchema,
        () =>
          hooks.add(project, h.url, {
            token: h.token,
            pushEvents: h.pushEvents,
            tagPushEvents: h.tagPushEvents,
            mergeRequestsEvents: h.mergeRequestsEvents,
            noteEvents: h.noteEvents,
            enableSslVerification: h.enableSslVerification,
          }),
      ),

    async deleteProjectHook(project, hookId) {
      const req: Requirement = {
        action: `delete webhook ${hookId}`,
        target: p(project),
        scope: 'api',
        role: 'Maintainer',
      };
      try {
        await hooks.remove(project, hookId);
        return true;
      } catch (err) {
        const e = mapGitLabError(err, { ...req, host, tokenVariable });
        if (e instanceof GitLabNotFoundError && !/Project/i.test(e.gitlabMessage)) return false;
        throw e;
      }
    },

    listProjectHooks: (project) =>
      call(
        { action: 'list the webhooks', target: p(project), scope: 'api', role: 'Maintainer' },
        z.array(hookSchema),
        () => hooks.all(project, { perPage: 100 }),
      ),

    close: () => transport.close(),
  };
}
