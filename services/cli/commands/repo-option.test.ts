import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './run-cli.test-support.js';

const NO_REPO = (command: string) =>
  `hangar: name the repository: hangar ${command} … GROUP/PROJECT, or --repository GROUP/PROJECT\n`;

describe('the repository of hangar secret and hangar registry', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('names the command that is missing it', async () => {
    const secret = await runCli(['secret', 'add', '--name', 'token', '--data', 'x']);
    expect(secret).toEqual({ code: 1, out: '', err: NO_REPO('secret') });
    const registry = await runCli(['registry', 'rm', '--hostname', 'registry.example.com']);
    expect(registry).toEqual({ code: 1, out: '', err: NO_REPO('registry') });
    const add = ['registry', 'add', '--hostname', 'r.example.com', '--username', 'u', '--password', 'p'];
    expect((await runCli(add)).err).toBe(NO_REPO('registry'));
  });

  it('takes --repository instead of the argument', async () => {
    // Past the repository, the next thing missing is the server's token.
    vi.stubEnv('HANGAR_TOKEN', '');
    for (const argv of [
      ['registry', 'rm', '--repository', 'acme/app', '--hostname', 'registry.example.com'],
      ['secret', 'add', '--repository', 'acme/app', '--name', 'token', '--data', 'x'],
    ]) {
      const r = await runCli(argv);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^hangar: HANGAR_TOKEN: is not set/);
    }
  });
});
