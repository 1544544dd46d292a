import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Fault, type FaultSpec, Faults } from './faults.js';
import {
  type CommitInfo,
  commitFiles,
  deleteRef,
  initBare,
  type Person,
  resolveCommit,
  setRef,
} from './git-repo.js';
import { fetchMergeRequestRef, refreshMergeRequestRefs } from './merge-request-refs.js';
import { apiRoutes } from './routes/index.js';
import { createDoubleServer, type RecordedRequest } from './server.js';
import {
  type CommitStatus,
  DoubleState,
  type MergeRequest,
  type MergeRequestState,
  type Note,
  type Project,
  type Scope,
  type User,
  type Visibility,
} from './state.js';
import { selfSignedCertificate } from './tls-cert.js';

/** GitLab's project roles. */
export const Role = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;

/**
 * A GitLab stand-in for tests: the API v4 subset the bot uses plus git clone
 * over smart HTTP, on 127.0.0.1 with a free port, holding real bare
 * repositories. Tests seed it with the helpers below and talk to it through
 * the real adapter (and so through @gitbeaker/rest).
 */
export class GitLabDouble {
  readonly state = new DoubleState();
  readonly faults = new Faults();
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  private readonly gitCredentials = new Map<string, { password: string; userId: number }>();
  private server: Server | TlsServer | undefined;

  private constructor(private readonly root: string) {}

  /**
   * Starts the double on a free port of `host` (default 127.0.0.1). With `tls`
   * it serves HTTPS with a fresh self-signed certificate, as a self-hosted
   * GitLab often does.
   */
  static async start(opts: { host?: string; tls?: boolean } = {}): Promise<GitLabDouble> {
    const host = opts.host ?? '127.0.0.1';
    const double = new GitLabDouble(await mkdtemp(join(tmpdir(), 'hangar-gitlab-double-')));
    const tls = opts.tls ? await selfSignedCertificate(double.root, host) : undefined;
    const server = createDoubleServer(
      {
        state: double.state,
        routes: apiRoutes,
        faults: double.faults,
        requests: double.requests,
        gitCredentials: double.gitCredentials,
      },
      tls,
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('the GitLab double did not get a TCP port');
    double.state.baseUrl = `${tls ? 'https' : 'http'}://${host}:${addr.port}`;
    double.server = server;
    return double;
  }

  /** The address to give the adapter as DRONE_GITLAB_URL. */
  get url(): string {
    return this.state.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await rm(this.root, { recursive: true, force: true });
  }

  addUser(opts: { username: string; name?: string; email?: string; admin?: boolean; bot?: boolean }): User {
    const user: User = {
      id: this.state.nextId('user'),
      username: opts.username,
      name: opts.name ?? opts.username,
      email: opts.email ?? `${opts.username}@example.test`,
      admin: opts.admin ?? false,
      bot: opts.bot ?? false,
      createdAt: this.state.now(),
    };
    this.state.users.push(user);
    return user;
  }

  /** A new personal access token for `user`. */
  issueToken(user: User, scopes: Scope[] = ['api']): string {
    const value = `glpat-${randomBytes(15).toString('base64url')}`;
    this.state.tokens.set(value, { value, userId: user.id, scopes, revoked: false });
    return value;
  }

  revokeToken(value: string): void {
    const token = this.state.tokens.get(value);
    if (token) token.revoked = true;
  }

  /** Extra clone credentials (DRONE_GITLAB_GIT_USERNAME / DRONE_GITLAB_GIT_PASSWORD) acting as `user`. */
  addGitCredentials(username: string, password: string, user: User): void {
    this.gitCredentials.set(username, { password, userId: user.id });
  }

  addGroupMember(groupPath: string, user: User, level: number): void {
    let group = this.state.groups.get(groupPath);
    if (!group) {
      group = new Map();
      this.state.groups.set(groupPath, group);
    }
    group.set(user.id, level);
  }

  addMember(project: Project, user: User, level: number): void {
    project.members.set(user.id, level);
  }

  /**
   * Creates a project (`group/sub/name`) with a bare repository; with `files`,
   * also its first commit on the default branch.
   */
  async createProject(opts: {
    path: string;
    defaultBranch?: string;
    visibility?: Visibility;
    files?: Record<string, string>;
    message?: string;
    author?: User;
  }): Promise<Project> {
    const parts = opts.path.split('/');
    const name = parts.pop() ?? '';
    if (parts.length === 0 || name === '') throw new Error(`project path '${opts.path}' needs a namespace`);
    const namespace = parts.join('/');
    const repoDir = join(this.root, 'repositories', `${opts.path}.git`);
    await mkdir(join(this.root, 'repositories', namespace), { recursive: true });
    const defaultBranch = opts.defaultBranch ?? 'main';
    await initBare(repoDir, defaultBranch);
    const project: Project = {
      id: this.state.nextId('project'),
      name,
      path: name,
      namespace,
      pathWithNamespace: opts.path,
      defaultBranch,
      visibility: opts.visibility ?? 'private',
      repoDir,
      members: new Map(),
      hooks: [],
      createdAt: this.state.now(),
    };
    this.state.projects.push(project);
    if (opts.files) {
      await this.commit(project, {
        files: opts.files,
        message: opts.message ?? 'Initial commit',
        ...(opts.author ? { author: opts.author } : {}),
      });
    }
    return project;
  }

  /** Commits files (null deletes one) on a branch (default: the project's default branch). */
  async commit(
    project: Project,
    opts: {
      branch?: string;
      files: Record<string, string | null>;
      message: string;
      author?: User;
      from?: string;
    },
  ): Promise<CommitInfo> {
    const branch = opts.branch ?? project.defaultBranch;
    const info = await commitFiles(project.repoDir, {
      branch,
      files: opts.files,
      message: opts.message,
      author: this.person(opts.author),
      ...(opts.from === undefined ? {} : { from: opts.from }),
    });
    await refreshMergeRequestRefs(this.state, project, branch);
    return info;
  }

  async createBranch(project: Project, name: string, from: string): Promise<string> {
    const sha = await this.resolve(project, from);
    await setRef(project.repoDir, `refs/heads/${name}`, sha);
    await refreshMergeRequestRefs(this.state, project, name);
    return sha;
  }

  async deleteBranch(project: Project, name: string): Promise<void> {
    await deleteRef(project.repoDir, `refs/heads/${name}`);
  }

  async createTag(project: Project, name: string, from: string): Promise<string> {
    const sha = await this.resolve(project, from);
    await setRef(project.repoDir, `refs/tags/${name}`, sha);
    return sha;
  }

  /** The commit a ref names; throws when it names none. */
  async resolve(project: Project, ref: string): Promise<string> {
    const sha = await resolveCommit(project.repoDir, ref);
    if (!sha) throw new Error(`'${ref}' names no commit in ${project.pathWithNamespace}`);
    return sha;
  }

  /**
   * Opens a merge request on `project` (the target) from `sourceBranch` of
   * `sourceProject` (a fork) or itself. As GitLab does, the target project
   * keeps the source branch's head under `refs/merge-requests/<iid>/head`
   * (fetched from the fork when it comes from one), and moves it when the
   * source branch gets new commits through `commit` or `createBranch`.
   */
  async createMergeRequest(opts: {
    project: Project;
    sourceBranch: string;
    targetBranch?: string;
    sourceProject?: Project;
    title?: string;
    author: User;
  }): Promise<MergeRequest> {
    const now = this.state.now();
    const iid = this.state.mergeRequests.filter((m) => m.projectId === opts.project.id).length + 1;
    const mr: MergeRequest = {
      id: this.state.nextId('merge_request'),
      iid,
      projectId: opts.project.id,
      sourceProjectId: (opts.sourceProject ?? opts.project).id,
      sourceBranch: opts.sourceBranch,
      targetBranch: opts.targetBranch ?? opts.project.defaultBranch,
      title: opts.title ?? `Merge ${opts.sourceBranch}`,
      description: '',
      authorId: opts.author.id,
      state: 'opened',
      createdAt: now,
      updatedAt: now,
      notes: [],
    };
    this.state.mergeRequests.push(mr);
    await fetchMergeRequestRef(this.state, mr);
    return mr;
  }

  setMergeRequestState(mr: MergeRequest, state: MergeRequestState): void {
    mr.state = state;
    mr.updatedAt = this.state.now();
  }

  /** A comment written by a person (or a system note), as if posted in GitLab's UI. */
  addNote(mr: MergeRequest, opts: { author: User; body: string; system?: boolean }): Note {
    const now = this.state.now();
    const note: Note = {
      id: this.state.nextId('note'),
      body: opts.body,
      authorId: opts.author.id,
      system: opts.system ?? false,
      mergeRequestId: mr.id,
      createdAt: now,
      updatedAt: now,
      awards: [],
    };
    mr.notes.push(note);
    return note;
  }

  /** Every status ever posted on a commit, oldest first (GitLab's `all=true`). */
  statusesOf(project: Project, sha: string): CommitStatus[] {
    return this.state.statuses
      .filter((s) => s.projectId === project.id && s.sha === sha)
      .sort((a, b) => a.id - b.id);
  }

  injectFault(spec: FaultSpec): Fault {
    return this.faults.add(spec);
  }

  requestsTo(route: string): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  person(user: User | undefined): Person {
    return user
      ? { name: user.name, email: user.email }
      : { name: 'GitLab Double', email: 'double@example.test' };
  }
}
