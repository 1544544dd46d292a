import { describe, expect, it } from 'vitest';
import { loadBotConfig } from '../config.js';
import { netrcFor } from './clone-credentials.js';

const BASE = { DRONE_GITLAB_URL: 'https://gitlab.example.com', HANGAR_GITLAB_TOKEN: 'glpat-bot' };
const repo = (visibility: 'public' | 'internal' | 'private') => ({
  cloneUrl: 'https://git.example.com/acme/app.git',
  visibility,
});

describe('clone credentials of a build', () => {
  it("go to private and internal projects' builds, not to public ones", () => {
    const cfg = loadBotConfig(BASE);
    expect(netrcFor(cfg, repo('private'))).toEqual({
      machine: 'git.example.com',
      login: 'oauth2',
      password: 'glpat-bot',
    });
    expect(netrcFor(cfg, repo('internal'))?.login).toBe('oauth2');
    expect(netrcFor(cfg, repo('public'))).toBeUndefined();
  });

  it('go to every build when GitLab needs a login (DRONE_GITLAB_PRIVATE_MODE) or DRONE_GIT_ALWAYS_AUTH is set', () => {
    const privateMode = loadBotConfig({ ...BASE, DRONE_GITLAB_PRIVATE_MODE: 'true' });
    expect(netrcFor(privateMode, repo('public'))?.password).toBe('glpat-bot');
    const always = loadBotConfig({
      ...BASE,
      DRONE_GIT_ALWAYS_AUTH: 'true',
      DRONE_GITLAB_GIT_USERNAME: 'ci-reader',
      DRONE_GITLAB_GIT_PASSWORD: 'reader-pass',
    });
    expect(netrcFor(always, repo('public'))).toEqual({
      machine: 'git.example.com',
      login: 'ci-reader',
      password: 'reader-pass',
    });
  });
});
