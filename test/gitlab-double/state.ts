/**
 * Everything the GitLab double knows, in memory. Routes read and change it;
 * the double's helpers seed it. Ids count up from 1 per kind, as GitLab's do.
 */

export type Scope = 'api' | 'read_api' | 'read_user' | 'read_repository' | 'write_repository';

export interface User {
  id: number;
  username: string;
  name: string;
  email: string;
  admin: boolean;
  bot: boolean;
  createdAt: string;
}

export interface Token {
  value: string;
  userId: number;
  scopes: Scope[];
  revoked: boolean;
}

export type Visibility = 'private' | 'internal' | 'public';

export interface Project {
  id: number;
  name: string;
  path: string;
  /** Full path of the group or user namespace it lives in. */
  namespace: string;
  pathWithNamespace: string;
  defaultBranch: string;
  visibility: Visibility;
  /** The bare repository on disk. */
  repoDir: string;
  /** Direct members: user id → access level. */
  members: Map<number, number>;
  hooks: Hook[];
  createdAt: string;
}

export interface Hook {
  id: number;
  /** Sent as X-Gitlab-Webhook-UUID with every delivery of this hook. */
  uuid: string;
  projectId: number;
  url: string;
  token: string | null;
  pushEvents: boolean;
  tagPushEvents: boolean;
  mergeRequestsEvents: boolean;
  noteEvents: boolean;
  enableSslVerification: boolean;
  createdAt: string;
}

export type MergeRequestState = 'opened' | 'closed' | 'merged' | 'locked';

export interface MergeRequest {
  id: number;
  iid: number;
  /** The target project (where the merge request lives). */
  projectId: number;
  sourceProjectId: number;
  sourceBranch: string;
  targetBranch: string;
  title: string;
  description: string;
  authorId: number;
  state: MergeRequestState;
  createdAt: string;
  updatedAt: string;
  notes: Note[];
}

export interface Note {
  id: number;
  body: string;
  authorId: number;
  system: boolean;
  mergeRequestId: number;
  createdAt: string;
  updatedAt: string;
  awards: Award[];
}

export interface Award {
  id: number;
  name: string;
  userId: number;
  createdAt: string;
}

export interface Pipeline {
  id: number;
  projectId: number;
  sha: string;
  ref: string;
  createdAt: string;
}

export type StatusState = 'created' | 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';

export interface CommitStatus {
  id: number;
  projectId: number;
  pipelineId: number;
  sha: string;
  ref: string;
  name: string;
  status: StatusState;
  targetUrl: string | null;
  description: string | null;
  coverage: number | null;
  userId: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export class DoubleState {
  readonly users: User[] = [];
  readonly tokens = new Map<string, Token>();
  /** Group full path → (user id → access level). */
  readonly groups = new Map<string, Map<number, number>>();
  readonly projects: Project[] = [];
  readonly mergeRequests: MergeRequest[] = [];
  readonly pipelines: Pipeline[] = [];
  readonly statuses: CommitStatus[] = [];
  private readonly counters = new Map<string, number>();

  /** The double's own address, known once it listens. */
  baseUrl = '';

  nextId(kind: string): number {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return n;
  }

  now(): string {
    return new Date().toISOString();
  }

  user(id: number): User | undefined {
    return this.users.find((u) => u.id === id);
  }

  projectById(id: number): Project | undefined {
    return this.projects.find((p) => p.id === id);
  }

  projectByPath(path: string): Project | undefined {
    const want = path.toLowerCase();
    return this.projects.find((p) => p.pathWithNamespace.toLowerCase() === want);
  }

  mergeRequest(projectId: number, iid: number): MergeRequest | undefined {
    return this.mergeRequests.find((m) => m.projectId === projectId && m.iid === iid);
  }

  /** A user's access level on a project: the highest of the direct and every ancestor group's. */
  accessLevel(project: Project, userId: number): number {
    let level = project.members.get(userId) ?? 0;
    const parts = project.namespace.split('/');
    for (let i = parts.length; i > 0; i--) {
      const group = this.groups.get(parts.slice(0, i).join('/'));
      level = Math.max(level, group?.get(userId) ?? 0);
    }
    return level;
  }

  webUrl(project: Project): string {
    return `${this.baseUrl}/${project.pathWithNamespace}`;
  }

  gitUrl(project: Project): string {
    return `${this.baseUrl}/${project.pathWithNamespace}.git`;
  }

  sshUrl(project: Project): string {
    return `git@${new URL(this.baseUrl || 'http://localhost').hostname}:${project.pathWithNamespace}.git`;
  }
}
