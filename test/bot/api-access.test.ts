/**
 * The REST API on a running bot: who may call it, and a repository's secrets
 * and registry credentials (stored encrypted, never shown). Against the real
 * coordinator and the GitLab double; no runner is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, BotWorld } from './api-harness.js';

let w: BotWorld;

beforeAll(async () => {
  w = await BotWorld.start();
  const enabled = await w.api('POST', '/repos/acme%2Fapp');
  if (enabled.status !== 201)
    throw new Error(`enabling acme/app answered ${enabled.status}: ${enabled.text}`);
});

afterAll(async () => {
  await w?.dispose();
});

describe('authentication', () => {
  it.each([
    ['no header', null],
    ['a wrong token', 'not-the-token'],
    ['the token with one character changed', `${ADMIN_TOKEN.slice(0, -1)}X`],
  ])('refuses %s with 401 and a JSON sentence', async (_what, token) => {
    const r = await w.api('GET', '/repos', undefined, token);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="hangar"');
    expect(r.json).toEqual({ error: expect.stringMatching(/token/) });
  });

  it('refuses a token sent without the Bearer scheme', async () => {
    const res = await fetch(`${w.url}/api/repos`, { headers: { authorization: ADMIN_TOKEN } });
    expect(res.status).toBe(401);
  });

  it('answers unknown routes with a 404 JSON error once authenticated', async () => {
    const r = await w.api('GET', '/nothing/here');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: expect.stringContaining('no such API route') });
  });
});

describe('secrets and registry credentials', () => {
  it('lists secrets without their values', async () => {
    const add = await w.api('POST', '/repos/acme%2Fapp/secrets', {
      name: 'docker_password',
      value: 'correct-horse-battery-staple',
      events: ['push', 'tag'],
    });
    expect(add.status).toBe(201);
    expect(add.text).not.toContain('correct-horse');
    const again = await w.api('POST', '/repos/acme%2Fapp/secrets', {
      name: 'docker_password',
      value: 'new-value-xyz',
    });
    expect(again.status).toBe(200);
    await w.api('POST', '/repos/acme%2Fapp/secrets', { name: 'npm_token', value: 'npm-secret-value' });
    const list = await w.api('GET', '/repos/acme%2Fapp/secrets');
    expect(list.status).toBe(200);
    expect(list.json).toEqual([
      expect.objectContaining({ name: 'docker_password', events: expect.any(Array), images: [] }),
      expect.objectContaining({ name: 'npm_token' }),
    ]);
    for (const value of ['correct-horse', 'new-value-xyz', 'npm-secret-value'])
      expect(list.text).not.toContain(value);
    expect(Object.keys((list.json as object[])[0] ?? {})).not.toContain('value');
    // The value is stored, encrypted, for builds.
    const repo = await w.store.repos.bySlug('acme/app');
    const values = await w.store.secrets.values(repo?.id ?? 0);
    expect(values.find((s) => s.name === 'docker_password')?.value).toBe('new-value-xyz');

    const bad = await w.api('POST', '/repos/acme%2Fapp/secrets', {
      name: 'has space',
      value: 'x',
      events: ['merge'],
    });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toMatch(/name: must be 1 to 128 letters/);
    expect((bad.json as { error: string }).error).toMatch(/events\.0: must be one of push/);

    expect((await w.api('DELETE', '/repos/acme%2Fapp/secrets/npm_token')).status).toBe(204);
    const gone = await w.api('DELETE', '/repos/acme%2Fapp/secrets/npm_token');
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ error: 'acme/app has no secret named npm_token' });
  });

  it('keeps registry credentials and never shows the password', async () => {
    const add = await w.api('POST', '/repos/acme%2Fapp/registries', {
      address: 'registry.example.com:5000',
      username: 'ci',
      password: 'registry-pass-123',
    });
    expect(add.status).toBe(201);
    const list = await w.api('GET', '/repos/acme%2Fapp/registries');
    expect(list.json).toEqual([
      expect.objectContaining({ address: 'registry.example.com:5000', username: 'ci' }),
    ]);
    expect(list.text).not.toContain('registry-pass-123');
    expect((await w.api('DELETE', '/repos/acme%2Fapp/registries/registry.example.com%3A5000')).status).toBe(
      204,
    );
    expect((await w.api('GET', '/repos/acme%2Fapp/registries')).json).toEqual([]);
  });
});
