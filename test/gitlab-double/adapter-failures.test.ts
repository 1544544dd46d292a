import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGitLabApi,
  type GitLabApi,
  GitLabAuthError,
  GitLabResponseError,
  GitLabTlsError,
  GitLabUnavailableError,
} from '../../services/gitlab-bot/gitlab/index.js';
import { freePort } from '../support/nats-server.js';
import { GitLabDouble, type Project, Role, type User } from './index.js';

let gitlab: GitLabDouble;
let api: GitLabApi;
let bot: User;
let project: Project;
let sha: string;

beforeAll(async () => {
  gitlab = await GitLabDouble.start();
  bot = gitlab.addUser({ username: 'hangar-bot', bot: true });
  api = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(bot) });
  project = await gitlab.createProject({ path: 'acme/app', files: { '.drone.yml': 'pipeline: {}\n' } });
  gitlab.addMember(project, bot, Role.developer);
  sha = await gitlab.resolve(project, 'main');
});
afterAll(async () => {
  api?.close();
  await gitlab?.close();
});

async function failure(p: Promise<unknown>): Promise<GitLabUnavailableError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GitLabUnavailableError);
  return err as GitLabUnavailableError;
}

describe('GitLab unavailable', () => {
  it('maps 500 to a retryable error, one request per call, and works again once GitLab recovers', async () => {
    const fault = gitlab.injectFault({ route: 'statuses.create', status: 500, times: 2 });
    const before = gitlab.requestsTo('statuses.create').length;
    for (let i = 0; i < 2; i++) {
      const err = await failure(api.createCommitStatus(project.id, { sha, state: 'pending', name: 'n500' }));
      expect(err.retryable).toBe(true);
      expect(err.status).toBe(500);
      expect(err.message).toContain('Hangar retries later');
    }
    expect(fault.hits).toBe(2);
    expect(gitlab.requestsTo('statuses.create').length - before).toBe(2);
    expect((await api.createCommitStatus(project.id, { sha, state: 'pending', name: 'n500' })).status).toBe(
      'pending',
    );
  });

  it('passes on Retry-After of a 429 instead of retrying behind the caller', async () => {
    gitlab.injectFault({ route: 'notes.list', status: 429, retryAfter: 30, times: 1 });
    const before = gitlab.requests.length;
    const err = await failure(api.listMergeRequestNotes(project.id, 1));
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBe(30_000);
    expect(err.message).toContain('rate-limiting');
    expect(gitlab.requests.length - before).toBe(1);
  });

  it('maps 409 on a status post ("another update in progress") to retryable', async () => {
    gitlab.injectFault({ route: 'statuses.create', status: 409, times: 1 });
    const err = await failure(api.createCommitStatus(project.id, { sha, state: 'running', name: 'n409' }));
    expect(err.status).toBe(409);
    expect((err.cause as { gitlabMessage: string }).gitlabMessage).toBe(
      'Another update to this commit status is in progress',
    );
  });

  it("maps a proxy's 502 HTML page and a dropped connection to retryable", async () => {
    gitlab.injectFault({ route: 'projects.show', status: 502, times: 1 });
    expect((await failure(api.project(project.id))).status).toBe(502);
    gitlab.injectFault({ route: 'projects.show', status: 'reset', times: 1 });
    const reset = await failure(api.project(project.id));
    expect(reset.status).toBeUndefined();
    expect(reset.message).toContain('could not be reached');
    expect((await api.project(project.id)).id).toBe(project.id);
  });

  it('fails every matching request for a time window, then lets them through', async () => {
    gitlab.injectFault({ route: 'user', status: 503, forMs: 400, retryAfter: 1 });
    const first = await failure(api.currentUser());
    expect(first.retryAfterMs).toBe(1000);
    await failure(api.currentUser());
    await new Promise((r) => setTimeout(r, 450));
    expect((await api.currentUser()).id).toBe(bot.id);
  });

  it('gives up on a GitLab that does not answer, after the configured time', async () => {
    const impatient = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(bot), timeoutMs: 300 });
    gitlab.injectFault({ route: 'merge_requests.show', status: 'hang', times: 1 });
    const started = Date.now();
    const err = await failure(impatient.mergeRequest(project.id, 1));
    impatient.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err.message).toContain('timed out');
  });

  it('maps a refused connection to retryable', async () => {
    const nowhere = createGitLabApi({ url: `http://127.0.0.1:${await freePort()}`, token: 'x' });
    const err = await failure(nowhere.currentUser());
    nowhere.close();
    expect(err.message).toContain('ECONNREFUSED');
  });
});

describe('GitLab refusing the token', () => {
  it('names the variable to fix for an unknown or revoked token, and is not retryable', async () => {
    const wrong = createGitLabApi({
      url: gitlab.url,
      token: 'glpat-forged',
      tokenVariable: 'HANGAR_GITLAB_TOKEN',
    });
    const err = await wrong.currentUser().catch((e: unknown) => e);
    wrong.close();
    expect(err).toBeInstanceOf(GitLabAuthError);
    expect((err as GitLabAuthError).status).toBe(401);
    expect((err as GitLabAuthError).retryable).toBe(false);
    expect((err as Error).message).toContain('HANGAR_GITLAB_TOKEN');

    const token = gitlab.issueToken(bot);
    const revoked = createGitLabApi({ url: gitlab.url, token });
    expect((await revoked.currentUser()).id).toBe(bot.id);
    gitlab.revokeToken(token);
    await expect(revoked.currentUser()).rejects.toBeInstanceOf(GitLabAuthError);
    revoked.close();
  });

  it('answers 401 without a token, and takes PRIVATE-TOKEN or a Bearer token, as GitLab does', async () => {
    const none = await fetch(`${gitlab.url}/api/v4/user`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: '401 Unauthorized' });
    const token = gitlab.issueToken(bot);
    const bearer = await fetch(`${gitlab.url}/api/v4/user`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await bearer.json()) as { username: string }).username).toBe('hangar-bot');
    const header = await fetch(`${gitlab.url}/api/v4/user`, { headers: { 'private-token': token } });
    expect(header.status).toBe(200);
  });
});

describe('not GitLab at all', () => {
  it('says the URL is wrong when a web page answers instead of the API', async () => {
    const site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome</body></html>');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
    const addr = site.address();
    const wrong = createGitLabApi({
      url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
      token: 't',
    });
    try {
      const err = await wrong.project(1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitLabResponseError);
      expect((err as Error).message).toContain('DRONE_GITLAB_URL');
      expect((err as GitLabResponseError).retryable).toBe(false);
    } finally {
      wrong.close();
      await new Promise<void>((r) => site.close(() => r()));
    }
  });
});

describe('self-signed GitLab', () => {
  it('refuses an unverifiable certificate with a hint, and accepts it with skip-verify', async () => {
    const tls = await GitLabDouble.start({ tls: true });
    try {
      const user = tls.addUser({ username: 'hangar-bot' });
      const token = tls.issueToken(user);
      const strict = createGitLabApi({ url: tls.url, token });
      const err = await strict.currentUser().catch((e: unknown) => e);
      strict.close();
      expect(err).toBeInstanceOf(GitLabTlsError);
      expect((err as Error).message).toContain('DRONE_GITLAB_SKIP_VERIFY');
      const lenient = createGitLabApi({ url: tls.url, token, skipVerify: true });
      expect((await lenient.currentUser()).username).toBe('hangar-bot');
      lenient.close();
    } finally {
      await tls.close();
    }
  });
});
