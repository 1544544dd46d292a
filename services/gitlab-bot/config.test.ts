import { describe, expect, it } from 'vitest';
import { loadBotConfig } from './config.js';

const BASE = { DRONE_GITLAB_URL: 'https://gitlab.example.com/', HANGAR_GITLAB_TOKEN: 'glpat-secret' };

describe('the bot configuration', () => {
  it('reads Drone names and gives defaults', () => {
    const cfg = loadBotConfig({
      ...BASE,
      DRONE_SERVER: 'http://coordinator:9000',
      DRONE_HOST: 'ci.example.com',
      DRONE_GITLAB_SKIP_VERIFY: 'true',
      DRONE_ADMIN: 'alice, bob',
    });
    expect(cfg).toMatchObject({
      gitlabUrl: 'https://gitlab.example.com',
      coordinatorAddr: 'coordinator:9000',
      publicUrl: 'http://ci.example.com',
      skipVerify: true,
      admins: ['alice', 'bob'],
      httpAddr: '0.0.0.0:8000',
      statusPrefix: 'hangar',
      webhookMaxBytes: 5_000_000,
    });
    expect(loadBotConfig(BASE).publicUrl).toBe('http://localhost:8000');
    expect(loadBotConfig({ ...BASE, HANGAR_PUBLIC_URL: 'https://ci.example.com/' }).publicUrl).toBe(
      'https://ci.example.com',
    );
  });

  it('names the variable to set when something is missing or wrong, without echoing secrets', () => {
    expect(() => loadBotConfig({ HANGAR_GITLAB_TOKEN: 'x' })).toThrow(/DRONE_GITLAB_URL: is required/);
    expect(() => loadBotConfig({ DRONE_GITLAB_URL: 'https://g' })).toThrow(
      /HANGAR_GITLAB_TOKEN: is required: create an access token with the 'api' scope/,
    );
    expect(() => loadBotConfig({ ...BASE, DRONE_GITLAB_URL: 'gitlab' })).toThrow(
      /DRONE_GITLAB_URL: is not an http\(s\) URL/,
    );
    expect(() => loadBotConfig({ ...BASE, DRONE_GITLAB_GIT_USERNAME: 'ci' })).toThrow(
      /DRONE_GITLAB_GIT_PASSWORD: is required when/,
    );
    expect(() => loadBotConfig({ ...BASE, HANGAR_STATUS_PREFIX: 'a b' })).toThrow(/HANGAR_STATUS_PREFIX/);
    expect(() => loadBotConfig({ ...BASE, HANGAR_WEBHOOK_MAX_BYTES: 'lots' })).toThrow(
      /HANGAR_WEBHOOK_MAX_BYTES: 'lots' is not a size/,
    );
  });
});
