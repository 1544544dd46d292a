import { readFileSync } from 'node:fs';
import type { GitLabDouble } from './double.js';
import type { CommitInfo } from './git-repo.js';
import type { Project, User } from './state.js';

/**
 * The pieces webhook payloads are built from: GitLab's own examples
 * (fixtures/) as templates, and the double's projects, users and commits in
 * the form GitLab's payloads give them. Each built object keeps exactly the
 * keys (and key order) of the example it comes from.
 */

export type Json = Record<string, unknown>;

const FIXTURES = new URL('./fixtures/', import.meta.url);

export function fixture(name: 'push' | 'tag_push' | 'merge_request' | 'note_merge_request'): Json {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as Json;
}

/** The keys of `template`, in its order, with values from `values`; a key `values` lacks is a bug here. */
export function like(template: unknown, values: Json): Json {
  const out: Json = {};
  for (const key of Object.keys(template as Json)) {
    if (!(key in values)) throw new Error(`payload builder has no value for '${key}'`);
    out[key] = values[key];
  }
  return out;
}

const VISIBILITY_LEVEL = { private: 0, internal: 10, public: 20 } as const;

export function projectValues(d: GitLabDouble, p: Project): Json {
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

export function repositoryValues(d: GitLabDouble, p: Project): Json {
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

export function userValues(d: GitLabDouble, u: User): Json {
  return {
    id: u.id,
    name: u.name,
    username: u.username,
    avatar_url: `${d.url}/uploads/-/system/user/avatar/${u.id}/avatar.png`,
    email: u.email,
  };
}

export function commitValues(d: GitLabDouble, p: Project, c: CommitInfo): Json {
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
export function utc(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

/** "2013-12-03T17:23:34Z", the time format of merge request payloads. */
export function zulu(iso: string): string {
  return `${iso.slice(0, 19)}Z`;
}
