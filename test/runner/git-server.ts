import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real git repository served over smart HTTP by `git http-backend` (as
 * CGI behind a node http server), optionally behind basic auth. Listens on
 * all addresses of this machine so containers reach it through the
 * `host-gateway` address.
 */
export interface GitServer {
  port: number;
  /** Commits of `main`, oldest first. */
  commits: string[];
  /** Requests that reached git (after auth). */
  served: number;
  close: () => Promise<void>;
}

const HTTP_BACKEND = execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim() + '/git-http-backend';

export async function startGitServer(auth?: { user: string; password: string }): Promise<GitServer> {
  const root = mkdtempSync(join(tmpdir(), 'hangar-git-'));
  const work = join(root, 'work');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@x',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@x',
      },
    }).trim();
  execFileSync('git', ['init', '-q', '-b', 'main', work]);
  const commits: string[] = [];
  for (const [i, text] of ['first version', 'second version', 'third version'].entries()) {
    writeFileSync(join(work, 'README'), `${text}\n`);
    git(work, 'add', 'README');
    git(work, 'commit', '-q', '-m', `commit ${i + 1}`);
    commits.push(git(work, 'rev-parse', 'HEAD'));
  }
  execFileSync('git', ['clone', '-q', '--bare', work, join(root, 'repo.git')]);

  const state = { served: 0 };
  const server: Server = createServer((req, res) => {
    if (auth) {
      const expected = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
        return;
      }
    }
    state.served++;
    const url = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn(HTTP_BACKEND, [], {
      env: {
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: req.socket.remoteAddress ?? '',
        ...(auth ? { REMOTE_USER: auth.user } : {}),
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    commits,
    get served() {
      return state.served;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
