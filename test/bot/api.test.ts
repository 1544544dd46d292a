/**
 * The REST API on a running bot, against the real coordinator, the GitLab
 * double and a runner on Docker: switching a repository on, its builds,
 * switching it off. Authentication, secrets and registry credentials are in
 * api-access.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, pushPayload } from '../gitlab-double/index.js';
import { ADMIN_TOKEN, BotWorld, pipelineDoc, waitFor } from './api-harness.js';

const FILE = pipelineDoc('main', { greet: ['echo hello from the api', 'echo second line'] });

let w: BotWorld;

beforeAll(async () => {
  w = await BotWorld.start({ runner: true, files: { '.drone.yml': FILE } });
});

afterAll(async () => {
  await w?.dispose();
});

describe('repositories', () => {
  it('says how to switch on a repository it does not know', async () => {
    const r = await w.api('GET', '/repos/acme%2Fapp');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({
      error:
        'repository acme/app is not registered with Hangar; switch it on with: hangar repo enable acme/app',
    });
  });

  it('enable creates the webhook with the four events and a token that then authenticates a push', async () => {
    const r = await w.api('POST', '/repos/acme%2Fapp');
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      slug: 'acme/app',
      project_id: w.project.id,
      active: true,
      config_path: '.drone.yml',
      visibility: 'private',
    });
    expect(w.project.hooks).toHaveLength(1);
    const hook = w.project.hooks[0];
    expect(hook).toMatchObject({
      url: `${w.url}/hook`,
      pushEvents: true,
      tagPushEvents: true,
      mergeRequestsEvents: true,
      noteEvents: true,
    });
    expect(hook?.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect((r.json as { hook_id: number }).hook_id).toBe(hook?.id);

    // GitLab sends the token back with a push; the bot accepts it and builds.
    const before = await w.gitlab.resolve(w.project, 'main');
    const c = await w.gitlab.commit(w.project, { files: { 'a.txt': 'a\n' }, message: 'Add a' });
    const payload = await pushPayload(w.gitlab, w.project, {
      ref: 'main',
      before,
      after: c.sha,
      user: w.maintainer,
    });
    const [d] = await deliver(w.gitlab, w.project, 'Push Hook', payload);
    expect(d?.status).toBe(202);
    const build = await waitFor('the push build', async () =>
      (await w.builds()).find((b) => b.sha === c.sha),
    );
    expect(build.event).toBe('push');
  });

  it('enable again replaces the hook and its token; the old token is refused', async () => {
    const old = w.project.hooks[0];
    // Switching on again also takes the project's visibility as GitLab has it now.
    w.project.visibility = 'internal';
    const r = await w.api('POST', '/repos/acme%2Fapp');
    w.project.visibility = 'private';
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ visibility: 'internal' });
    expect(w.project.hooks).toHaveLength(1);
    const fresh = w.project.hooks[0];
    expect(fresh?.id).not.toBe(old?.id);
    expect(fresh?.token).not.toBe(old?.token);
    const res = await fetch(`${w.url}/hook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': 'Push Hook',
        'x-gitlab-token': old?.token ?? '',
      },
      body: JSON.stringify({ object_kind: 'push', project_id: w.project.id }),
    });
    expect(res.status).toBe(401);
  });

  it('lists and shows repositories', async () => {
    const list = await w.api('GET', '/repos');
    expect(list.status).toBe(200);
    expect((list.json as { slug: string }[]).map((x) => x.slug)).toEqual(['acme/app']);
    const byId = await w.api('GET', `/repos/${w.project.id}`);
    expect(byId.json).toMatchObject({ slug: 'acme/app', web_url: `${w.gitlab.url}/acme/app` });
  });

  it('update changes settings and names the field a bad value is in', async () => {
    const ok = await w.api('PATCH', '/repos/acme%2Fapp', {
      trusted: true,
      timeout: 90,
      config_path: 'ci/.drone.yml',
      concurrency: 2,
      cancel_previous: true,
      allow_fork_secrets: false,
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({
      trusted: true,
      timeout: 90,
      config_path: 'ci/.drone.yml',
      concurrency: 2,
      cancel_previous: true,
    });
    const bad = await w.api('PATCH', '/repos/acme%2Fapp', { timeout: -5 });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: 'the request body is not valid: timeout: must be at least 1 minute' });
    const unknown = await w.api('PATCH', '/repos/acme%2Fapp', { trusted: 'yes', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect((unknown.json as { error: string }).error).toContain('trusted: must be true or false');
    expect((unknown.json as { error: string }).error).toContain("unknown field 'colour'");
    const notJson = await w.api('PATCH', '/repos/acme%2Fapp', '{trusted:');
    expect(notJson.status).toBe(400);
    expect((notJson.json as { error: string }).error).toMatch(/^the request body is not JSON/);
    await w.api('PATCH', '/repos/acme%2Fapp', { config_path: '.drone.yml', trusted: false });
  });
});

describe('builds', () => {
  let number = 0;

  it('create builds the head of a branch with the file fetched from GitLab', async () => {
    const head = await w.gitlab.resolve(w.project, 'main');
    const r = await w.api('POST', '/repos/acme%2Fapp/builds', { branch: 'main', params: { DEPLOY: 'no' } });
    expect(r.status).toBe(201);
    const b = r.json as {
      number: number;
      sha: string;
      event: string;
      ref: string;
      url: string;
      params: object;
    };
    expect(b).toMatchObject({ sha: head, event: 'custom', ref: 'refs/heads/main', params: { DEPLOY: 'no' } });
    expect(b.url).toBe(`${w.url}/acme/app/${b.number}`);
    number = b.number;
    expect((await w.finished(number)).status).toBe('success');
  });

  it('info shows the pipelines and steps, and logs gives the step output as text', async () => {
    const r = await w.api('GET', `/repos/acme%2Fapp/builds/${number}`);
    expect(r.status).toBe(200);
    const b = r.json as {
      status: string;
      pipelines: { name: string; status: string; steps: { name: string; exit_code: number }[] }[];
    };
    expect(b.status).toBe('success');
    expect(b.pipelines).toEqual([
      expect.objectContaining({
        name: 'main',
        status: 'success',
        steps: [expect.objectContaining({ name: 'greet', status: 'success', exit_code: 0 })],
      }),
    ]);
    for (const stage of ['main', '1']) {
      const log = await w.api('GET', `/repos/acme%2Fapp/builds/${number}/logs/${stage}/greet`);
      expect(log.status).toBe(200);
      expect(log.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(log.text).toContain('hello from the api\n');
      expect(log.text).toContain('second line\n');
    }
    const missing = await w.api('GET', `/repos/acme%2Fapp/builds/${number}/logs/deploy/greet`);
    expect(missing.status).toBe(404);
    expect((missing.json as { error: string }).error).toContain(
      "has no pipeline 'deploy'; its pipelines are: main",
    );
  });

  it('lists builds newest first, restarts one and cancels a running one', async () => {
    const restart = await w.api('POST', `/repos/acme%2Fapp/builds/${number}/restart`, {});
    expect(restart.status).toBe(201);
    const again = restart.json as { number: number; parent: number | null };
    expect(again.number).toBeGreaterThan(number);
    await w.finished(again.number);

    const list = await w.api('GET', '/repos/acme%2Fapp/builds?limit=2');
    const numbers = (list.json as { number: number }[]).map((b) => b.number);
    expect(numbers).toEqual([again.number, again.number - 1]);

    await w.gitlab.commit(w.project, {
      files: {
        '.drone.yml': pipelineDoc('main', {
          wait: ['echo waiting starts', 'sleep 2', 'echo still here', 'sleep 120'],
        }),
      },
      message: 'Slow down',
    });
    const slow = (await w.api('POST', '/repos/acme%2Fapp/builds', { branch: 'main' })).json as {
      number: number;
    };
    await waitFor('the slow build to run', async () => {
      const r = await w.api('GET', `/repos/acme%2Fapp/builds/${slow.number}`);
      return (r.json as { status: string }).status === 'running';
    });
    // Following the log streams lines as they come and ends when the step does.
    const res = await fetch(
      `${w.url}/api/repos/acme%2Fapp/builds/${slow.number}/logs/main/wait?follow=true`,
      {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      },
    );
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let followed = '';
    while (!followed.includes('still here\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      followed += decoder.decode(value, { stream: true });
    }
    expect(followed).toContain('waiting starts\n');
    expect(followed).toContain('still here\n');
    const cancel = await w.api('POST', `/repos/acme%2Fapp/builds/${slow.number}/cancel`);
    expect(cancel.status).toBe(200);
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    expect((await w.finished(slow.number, 30_000)).status).toBe('killed');
  });

  it('refuses a branch that does not exist and a build number that is not one', async () => {
    const r = await w.api('POST', '/repos/acme%2Fapp/builds', { branch: 'nope' });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: 'branch nope does not exist in acme/app' });
    const n = await w.api('GET', '/repos/acme%2Fapp/builds/abc');
    expect(n.status).toBe(400);
    const none = await w.api('GET', '/repos/acme%2Fapp/builds/9999');
    expect(none.status).toBe(404);
    const body = await w.api('POST', '/repos/acme%2Fapp/builds', { commit: 'xyz' });
    expect(body.status).toBe(400);
    expect((body.json as { error: string }).error).toContain('branch: must be a branch name');
  });
});

describe('runners and switching off', () => {
  it('lists the runners the coordinator knows', async () => {
    const r = await w.api('GET', '/runners');
    expect(r.status).toBe(200);
    expect(r.json).toEqual([
      expect.objectContaining({ name: expect.stringMatching(/^bot-test-/), capacity: 2 }),
    ]);
  });

  it('disable deletes the webhook and its token stops working', async () => {
    const token = w.project.hooks[0]?.token ?? '';
    const r = await w.api('DELETE', '/repos/acme%2Fapp');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ active: false, hook_id: null });
    expect(w.project.hooks).toEqual([]);
    const res = await fetch(`${w.url}/hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token },
      body: JSON.stringify({ object_kind: 'push', project_id: w.project.id }),
    });
    expect(res.status).toBe(401);
    const create = await w.api('POST', '/repos/acme%2Fapp/builds', { branch: 'main' });
    expect(create.status).toBe(409);
  });
});
