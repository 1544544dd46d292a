/**
 * The client commands as a person runs them: `node bin/hangar.js ...` as a
 * separate process against a running bot (HANGAR_SERVER, HANGAR_TOKEN), in
 * table and JSON output.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/nats-server.js';
import { ADMIN_TOKEN, BotWorld, pipelineDoc } from './api-harness.js';

const ROOT = new URL('../../', import.meta.url).pathname;

let w: BotWorld;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function hangar(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/hangar.js', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, HANGAR_SERVER: w.url, HANGAR_TOKEN: ADMIN_TOKEN, ...env },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function json<T>(args: string[]): Promise<T> {
  const r = await hangar([...args, '--format', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  w = await BotWorld.start({
    runner: true,
    files: { '.drone.yml': pipelineDoc('main', { hello: ['echo hello from the cli'] }) },
  });
});

afterAll(async () => {
  await w?.dispose();
});

describe('hangar repo', () => {
  it('enable, ls, info and update, in table and JSON output', async () => {
    const enable = await hangar(['repo', 'enable', 'acme/app']);
    expect(enable).toMatchObject({ code: 0, stderr: '' });
    expect(enable.stdout).toBe(`acme/app is switched on (webhook ${w.project.hooks[0]?.id})\n`);

    const ls = await hangar(['repo', 'ls']);
    expect(ls.code).toBe(0);
    const [header, row] = ls.stdout.split('\n');
    expect(header).toMatch(/^REPOSITORY\s+ACTIVE\s+TRUSTED\s+TIMEOUT\s+CONFIG\s+BUILDS$/);
    expect(row).toMatch(/^acme\/app\s+yes\s+no\s+60m\s+\.drone\.yml\s+0$/);

    const repos = await json<{ slug: string; active: boolean }[]>(['repo', 'ls']);
    expect(repos).toEqual([expect.objectContaining({ slug: 'acme/app', active: true })]);

    const updated = await json<{ trusted: boolean; timeout: number; cancel_previous: boolean }>([
      'repo',
      'update',
      'acme/app',
      '--trusted',
      '--timeout',
      '1h30m',
      '--cancel-previous',
    ]);
    expect(updated).toMatchObject({ trusted: true, timeout: 90, cancel_previous: true });

    const info = await hangar(['repo', 'info', 'acme/app']);
    expect(info.stdout).toMatch(/^Repository:\s+acme\/app$/m);
    expect(info.stdout).toMatch(/^Timeout:\s+90m$/m);
    expect(info.stdout).toMatch(/^Trusted:\s+yes$/m);

    const untrusted = await json<{ trusted: boolean }>(['repo', 'update', 'acme/app', '--no-trusted']);
    expect(untrusted.trusted).toBe(false);
  });

  it('says what is wrong with an option before asking the server', async () => {
    const r = await hangar(['repo', 'update', 'acme/app', '--timeout', 'soon']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "hangar: --timeout 'soon' is not a number of minutes; write it like 90, 90m or 1h30m\n",
    );
  });
});

describe('hangar secret and hangar registry', () => {
  it('add and list secrets; the value never comes back', async () => {
    const add = await hangar([
      'secret',
      'add',
      'acme/app',
      '--name',
      'deploy_key',
      '--data',
      's3cr3t-value-42',
    ]);
    expect(add).toMatchObject({ code: 0, stderr: '' });
    expect(add.stdout).toContain('Secret deploy_key of acme/app is saved');
    await hangar([
      'secret',
      'add',
      '--repository',
      'acme/app',
      '--name',
      'pr_token',
      '--data',
      'pr-value',
      '--allow-pull-request',
    ]);

    const table = await hangar(['secret', 'ls', 'acme/app']);
    expect(table.stdout).toMatch(/^NAME\s+EVENTS\s+IMAGES\s+UPDATED$/m);
    expect(table.stdout).toMatch(/^deploy_key\s+push,tag,deployment,cron,custom,promote,rollback\s+any\s+/m);
    expect(table.stdout).toMatch(/^pr_token\s+\S*pull_request/m);
    const list = await json<{ name: string }[]>(['secret', 'ls', 'acme/app']);
    expect(list.map((s) => s.name)).toEqual(['deploy_key', 'pr_token']);
    for (const out of [table.stdout, JSON.stringify(list)]) {
      expect(out).not.toContain('s3cr3t-value-42');
      expect(out).not.toContain('pr-value');
    }

    const rm = await hangar(['secret', 'rm', '--repository', 'acme/app', '--name', 'pr_token']);
    expect(rm.stdout).toBe('Secret pr_token of acme/app is removed\n');
    const missing = await hangar(['secret', 'rm', 'acme/app', 'pr_token']);
    expect(missing).toMatchObject({ code: 1, stderr: 'hangar: acme/app has no secret named pr_token\n' });
  });

  it('takes registry credentials with the flags drone registry add accepts', async () => {
    const add = await hangar([
      'registry',
      'add',
      '--repository',
      'acme/app',
      '--hostname',
      'registry.example.com',
      '--username',
      'octocat',
      '--password',
      'reg-pass-77',
    ]);
    expect(add).toMatchObject({
      code: 0,
      stdout: 'Credentials for registry.example.com of acme/app are saved\n',
    });
    const ls = await hangar(['registry', 'ls', 'acme/app']);
    expect(ls.stdout).toMatch(/^registry\.example\.com\s+octocat\s+/m);
    expect(ls.stdout).not.toContain('reg-pass-77');
    const rm = await hangar([
      'registry',
      'rm',
      '--repository',
      'acme/app',
      '--hostname',
      'registry.example.com',
    ]);
    expect(rm.code).toBe(0);
    expect(await json<unknown[]>(['registry', 'ls', 'acme/app'])).toEqual([]);
  });
});

describe('hangar build and hangar runner ls', () => {
  it('create, info, logs and ls', async () => {
    const created = await json<{ number: number; status: string }>([
      'build',
      'create',
      'acme/app',
      '--branch',
      'main',
    ]);
    await w.finished(created.number);

    const info = await hangar(['build', 'info', 'acme/app', String(created.number)]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^Status:\s+success$/m);
    expect(info.stdout).toMatch(/^#\s+PIPELINE\s+STEP\s+STATUS\s+EXIT\s+TOOK$/m);
    expect(info.stdout).toMatch(/^1\s+main\s+success\s+\d+s$/m);
    expect(info.stdout).toMatch(/^\s+hello\s+success\s+0\s+\d+s$/m);

    const logs = await hangar(['build', 'logs', 'acme/app', String(created.number), 'main', 'hello']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('hello from the cli\n');
    const logJson = await json<{ lines: string[] }>([
      'build',
      'logs',
      'acme/app',
      String(created.number),
      '1',
      'hello',
    ]);
    expect(logJson.lines).toContain('hello from the cli');

    const ls = await hangar(['build', 'ls', 'acme/app']);
    expect(ls.stdout).toMatch(
      new RegExp(`^${created.number}\\s+success\\s+custom\\s+main\\s+[0-9a-f]{8}\\s+`, 'm'),
    );
  });

  it('runner ls shows the runner', async () => {
    const ls = await hangar(['runner', 'ls']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^NAME\s+PLATFORM\s+RUNNING\s+CAPACITY/m);
    expect(ls.stdout).toMatch(/^bot-test-\d+\s+linux\/\w+\s+\d\s+2\s+/m);
    const list = await json<{ name: string }[]>(['runner', 'ls']);
    expect(list).toHaveLength(1);
  });
});

describe('errors a person sees', () => {
  it('a token the server does not accept', async () => {
    const r = await hangar(['repo', 'ls'], { HANGAR_TOKEN: 'wrong' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^hangar: HANGAR_TOKEN is not accepted by ${w.url} \\(`));
  });

  it('a server that is not there', async () => {
    const port = await freePort();
    const r = await hangar(['build', 'ls', 'acme/app'], { HANGAR_SERVER: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `hangar: cannot reach the Hangar server at http://127.0.0.1:${port} (connection refused); check HANGAR_SERVER and that the server runs\n`,
    );
  });

  it('no token at all', async () => {
    const r = await hangar(['secret', 'ls', 'acme/app'], { HANGAR_TOKEN: '' });
    expect(r).toMatchObject({
      code: 1,
      stderr: "hangar: HANGAR_TOKEN: is not set; set it to the server's HANGAR_ADMIN_TOKEN\n",
    });
  });
});
