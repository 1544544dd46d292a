import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Bare repositories for the double, changed with real `git` plumbing (no
 * working tree): what GitLab's Gitaly would hold for a project.
 */

export const ZERO_SHA = '0000000000000000000000000000000000000000';

export interface Person {
  name: string;
  email: string;
}

export interface CommitInfo {
  sha: string;
  parent: string | null;
  message: string;
  title: string;
  /** ISO 8601 with offset, as GitLab's payloads write it. */
  timestamp: string;
  author: Person;
  added: string[];
  modified: string[];
  removed: string[];
}

const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LANG: 'C',
};

export async function git(
  dir: string,
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; allowFail?: boolean } = {},
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV, ...opts.env } });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const result = { code: code ?? 1, stdout: Buffer.concat(out), stderr: err };
      if (result.code !== 0 && !opts.allowFail) {
        reject(new Error(`git ${args.join(' ')} failed (${result.code}): ${err.trim()}`));
      } else resolve(result);
    });
    child.stdin.end(opts.input);
  });
}

async function text(dir: string, args: string[], env?: Record<string, string>): Promise<string> {
  return (await git(dir, args, env ? { env } : {})).stdout.toString('utf8').trim();
}

export async function initBare(dir: string, defaultBranch: string): Promise<void> {
  await git(tmpdir(), ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, dir]);
  // Let `git http-backend` serve it without a per-repository export marker.
  await git(dir, ['config', 'http.uploadpack', 'true']);
  await git(dir, ['config', 'http.receivepack', 'false']);
}

/** The commit a branch, tag or sha names; null when it names none. */
export async function resolveCommit(dir: string, ref: string): Promise<string | null> {
  if (ref === '' || ref.startsWith('-')) return null;
  const r = await git(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { allowFail: true });
  return r.code === 0 ? r.stdout.toString().trim() : null;
}

/** A file's bytes at a commit; null when the file is not there (or is a directory). */
export async function readFileAt(dir: string, sha: string, path: string): Promise<Buffer | null> {
  const spec = `${sha}:${path.replace(/^\/+/, '')}`;
  const type = await git(dir, ['cat-file', '-t', spec], { allowFail: true });
  if (type.code !== 0 || type.stdout.toString().trim() !== 'blob') return null;
  return (await git(dir, ['cat-file', 'blob', spec])).stdout;
}

export async function branchesContaining(dir: string, sha: string): Promise<string[]> {
  const out = await git(dir, ['for-each-ref', '--contains', sha, '--format=%(refname:short)', 'refs/heads'], {
    allowFail: true,
  });
  return out.stdout
    .toString()
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function setRef(dir: string, ref: string, sha: string): Promise<void> {
  await git(dir, ['update-ref', ref, sha]);
}

export async function deleteRef(dir: string, ref: string): Promise<void> {
  await git(dir, ['update-ref', '-d', ref]);
}

/**
 * Commits `files` (path → content, null deletes) on top of `branch` (or as its
 * first commit) and moves the branch. Returns what GitLab would report for it.
 */
export async function commitFiles(
  dir: string,
  opts: {
    branch: string;
    files: Record<string, string | null>;
    message: string;
    author: Person;
    from?: string;
  },
): Promise<CommitInfo> {
  const current = await resolveCommit(dir, `refs/heads/${opts.branch}`);
  const parent = opts.from === undefined ? current : await resolveCommit(dir, opts.from);
  if (opts.from !== undefined && !parent) throw new Error(`'${opts.from}' names no commit`);
  const tmp = await mkdtemp(join(tmpdir(), 'hangar-gl-index-'));
  const env = { GIT_INDEX_FILE: join(tmp, 'index') };
  try {
    await git(dir, parent ? ['read-tree', parent] : ['read-tree', '--empty'], { env });
    for (const [path, content] of Object.entries(opts.files)) {
      if (content === null) {
        // Mode 0 removes the entry; --force-remove would want a working tree.
        await git(dir, ['update-index', '--index-info'], { env, input: `0 ${ZERO_SHA}\t${path}\n` });
        continue;
      }
      const blob = (await git(dir, ['hash-object', '-w', '--stdin'], { input: content })).stdout
        .toString()
        .trim();
      await git(dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], { env });
    }
    const tree = await text(dir, ['write-tree'], env);
    const who = {
      GIT_AUTHOR_NAME: opts.author.name,
      GIT_AUTHOR_EMAIL: opts.author.email,
      GIT_COMMITTER_NAME: opts.author.name,
      GIT_COMMITTER_EMAIL: opts.author.email,
    };
    const args = ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'];
    const sha = (await git(dir, args, { input: opts.message, env: who })).stdout.toString().trim();
    await git(dir, ['update-ref', `refs/heads/${opts.branch}`, sha, current ?? ZERO_SHA]);
    return commitInfo(dir, sha);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** What GitLab reports about one commit in push payloads. */
export async function commitInfo(dir: string, sha: string): Promise<CommitInfo> {
  const raw = await text(dir, ['show', '-s', '--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%B', sha]);
  const [full = sha, parents = '', name = '', email = '', date = '', ...rest] = raw.split('\0');
  const message = rest.join('\0');
  const parent = parents.split(' ').filter(Boolean)[0] ?? null;
  const diff = await text(dir, ['diff-tree', '--no-commit-id', '--name-status', '-r', '--root', sha]);
  const added: string[] = [];
  const modified: string[] = [];
  const removed: string[] = [];
  for (const line of diff.split('\n')) {
    const [kind, path] = line.split('\t');
    if (!path) continue;
    if (kind === 'A') added.push(path);
    else if (kind === 'D') removed.push(path);
    else modified.push(path);
  }
  return {
    sha: full,
    parent,
    message: message.endsWith('\n') ? message : `${message}\n`,
    title: message.split('\n')[0] ?? '',
    timestamp: date,
    author: { name, email },
    added,
    modified,
    removed,
  };
}

/** The commits reachable from `to` but not from `from` (all of `to`'s history when `from` is null), oldest first. */
export async function commitsBetween(dir: string, from: string | null, to: string): Promise<string[]> {
  const range = from && from !== ZERO_SHA ? `${from}..${to}` : to;
  const out = await text(dir, ['rev-list', '--reverse', range]);
  return out.split('\n').filter(Boolean);
}
