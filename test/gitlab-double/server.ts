import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { authenticate, basicLogin, gitUser } from './auth.js';
import type { Faults } from './faults.js';
import { isPush, parseGitPath, serveGit } from './git-http.js';
import { ApiError, type Ctx, type Reply } from './http-kit.js';
import { matchRoute, type Route } from './router.js';
import type { DoubleState } from './state.js';

/** One request as the double saw it, for tests that assert what was sent and in which order. */
export interface RecordedRequest {
  seq: number;
  method: string;
  /** The raw path, project paths still URL-encoded: /api/v4/projects/group%2Fapp. */
  path: string;
  /** The route's name ('statuses.create', 'git', ...); undefined when nothing matched. */
  route: string | undefined;
  query: Record<string, string>;
  /** The parsed JSON or form body; the raw text otherwise; undefined when empty. */
  body: unknown;
  status: number | 'reset' | 'hang';
  /** The authenticated user, if any. */
  userId: number | undefined;
  /** On git requests: the user name of the Basic credentials presented (never the password), if any. */
  gitLogin?: string;
  at: number;
}

export interface ServerDeps {
  state: DoubleState;
  routes: readonly Route[];
  faults: Faults;
  requests: RecordedRequest[];
  gitCredentials: ReadonlyMap<string, { password: string; userId: number }>;
}

const API = '/api/v4';
const BODY_LIMIT = 10 * 1024 * 1024;

/** An HTTP server, or an HTTPS one with the given key and certificate. */
export function createDoubleServer(
  deps: ServerDeps,
  tls?: { key: string; cert: string },
): Server | TlsServer {
  let seq = 0;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, { status: 500, body: { message: `500 Internal Server Error: ${String(err)}` } });
      else res.destroy();
    });
  };
  return tls ? createTlsServer(tls, listener) : createServer(listener);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    const rec: RecordedRequest = {
      seq: ++seq,
      method,
      path: url.pathname,
      route: undefined,
      query: Object.fromEntries(url.searchParams),
      body: parseBody(req, raw),
      status: 0,
      userId: undefined,
      at: Date.now(),
    };
    deps.requests.push(rec);

    if (url.pathname.startsWith(`${API}/`)) {
      const match = matchRoute(deps.routes, method, url.pathname.slice(API.length));
      rec.route = match?.route.name;
      const fault = deps.faults.take(method, url.pathname, rec.route);
      if (fault) {
        rec.status = fault.status;
        if (fault.status === 'reset') return void req.socket.destroy();
        if (fault.status === 'hang') return;
        res.writeHead(fault.status, fault.headers);
        return void res.end(fault.body);
      }
      const reply = await runRoute(match, req, url, method, rec);
      rec.status = reply.status;
      return send(res, reply);
    }

    const git = parseGitPath(url.pathname);
    if (git) {
      rec.route = 'git';
      const fault = deps.faults.take(method, url.pathname, 'git');
      if (fault) {
        rec.status = fault.status;
        if (fault.status === 'reset') return void req.socket.destroy();
        if (fault.status === 'hang') return;
        res.writeHead(fault.status, fault.headers);
        return void res.end(fault.body);
      }
      const project = deps.state.projectByPath(git.repo.replace(/\.git$/, ''));
      const user = gitUser(deps.state, req.headers, deps.gitCredentials);
      rec.userId = user?.id;
      const login = basicLogin(req.headers);
      if (login !== undefined) rec.gitLogin = login;
      const level = project && user ? (user.admin ? 60 : deps.state.accessLevel(project, user.id)) : 0;
      const mayRead = project !== undefined && (project.visibility === 'public' || level >= 20);
      if (!mayRead) {
        rec.status = 401;
        res.writeHead(401, { 'www-authenticate': 'Basic realm="GitLab"', 'content-type': 'text/plain' });
        return void res.end('HTTP Basic: Access denied\n');
      }
      if (isPush(url, git.rest)) {
        rec.status = 403;
        res.writeHead(403, { 'content-type': 'text/plain' });
        return void res.end('You are not allowed to push code to this project.\n');
      }
      rec.status = 200;
      return serveGit(req, res, url, project.repoDir, git.rest, raw, user?.username);
    }

    rec.status = 404;
    send(res, { status: 404, body: { error: '404 Not Found' } });
  }

  async function runRoute(
    match: ReturnType<typeof matchRoute>,
    req: IncomingMessage,
    url: URL,
    method: string,
    rec: RecordedRequest,
  ): Promise<Reply> {
    try {
      if (!match) return { status: 404, body: { error: '404 Not Found' } };
      const { user, token } = authenticate(deps.state, req.headers, url, match.route.access);
      rec.userId = user.id;
      const body = rec.body && typeof rec.body === 'object' ? (rec.body as Record<string, unknown>) : {};
      const ctx: Ctx = {
        state: deps.state,
        method,
        url,
        params: match.params,
        input: { ...Object.fromEntries(url.searchParams), ...body },
        headers: req.headers,
        user,
        token,
      };
      return await match.route.handler(ctx);
    } catch (err) {
      if (err instanceof ApiError) return { status: err.status, body: err.body, headers: err.headers };
      throw err;
    }
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | Buffer = '';
  if (Buffer.isBuffer(reply.body)) payload = reply.body;
  else if (reply.body !== undefined && reply.status !== 204) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(req: IncomingMessage, raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
  const text = raw.toString('utf8');
  if (type === 'application/json') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  if (type?.startsWith('application/x-git')) return `<${raw.length} bytes of git protocol>`;
  return text;
}
