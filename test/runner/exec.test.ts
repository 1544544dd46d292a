import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX, engine } from './helpers.js';
import { type PrivateRegistry, startPrivateRegistry } from './private-registry.js';

const HANGAR = resolve(import.meta.dirname, '../../bin/hangar.js');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function hangar(dir: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [HANGAR, ...args], {
      cwd: dir,
      env: { ...process.env, FORCE_COLOR: '0', HANGAR_FROM_SOURCE: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function project(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-exec-'));
  writeFileSync(join(dir, '.drone.yml'), yaml);
  return dir;
}

async function expectNoExecLeftovers(): Promise<void> {
  const left = await engine.listLabelled(['io.hangar.runner=exec']);
  expect([...left.containers, ...left.networks, ...left.volumes]).toEqual([]);
}

const V1 = `kind: pipeline
type: docker
name: default

steps:
- name: build
  image: hangar/busybox:latest
  commands:
  - cat input.txt
  - echo built > output.txt
- name: test
  image: hangar/busybox:latest
  environment:
    TOKEN:
      from_secret: api_token
  commands:
  - echo "token=$TOKEN event=$DRONE_BUILD_EVENT branch=$DRONE_BRANCH"
  - test "$TOKEN" = s3cret-value
- name: on-failure
  image: hangar/busybox:latest
  commands:
  - echo only on failure
  when:
    status: [failure]
`;

describe('hangar exec', () => {
  it('runs the pipeline in the current directory and prints prefixed lines and a summary', async () => {
    const dir = project(V1);
    writeFileSync(join(dir, 'input.txt'), 'from-the-host\n');
    const r = await hangar(dir, ['exec', '--secret', 'api_token=s3cret-value', '--branch', 'dev']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[build\] +from-the-host$/m);
    expect(r.stdout).toMatch(/^\[test\] +token=\*{8} event=push branch=dev$/m);
    expect(r.stdout).not.toContain('s3cret-value');
    expect(r.stdout).toMatch(/^success in /m);
    expect(r.stdout).toMatch(/^ {2}test +success +exit 0/m);
    expect(r.stdout).toMatch(/^ {2}on-failure +skipped/m);
    expect(readFileSync(join(dir, 'output.txt'), 'utf8')).toBe('built\n');
    await expectNoExecLeftovers();
  });

  it('prints JSON lines and a final status object with every step, and exits 1 on failure', async () => {
    const dir = project(V1);
    const r = await hangar(dir, ['exec', '--format', 'json', '--secret', 'api_token=wrong']);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const last = lines.at(-1);
    expect(last.status).toBe('failure');
    expect(last.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['clone', 'skipped'],
      ['build', 'failure'],
      ['test', 'skipped'],
      ['on-failure', 'success'],
    ]);
    expect(last.steps[1]).toMatchObject({ exitCode: 1, oomKilled: false, error: 'exited with code 1' });
    expect(last.steps[2]).toMatchObject({ exitCode: null, durationMs: null });
    // stdout and stderr are separate pipes: their order against each other is not kept.
    expect(lines[0]).toMatchObject({ step: 'build' });
    expect(lines.find((l) => l.stream === 'stdout')).toMatchObject({
      step: 'build',
      line: '+ cat input.txt',
    });
    expect(lines.some((l) => l.step === 'build' && l.stream === 'stderr' && /input\.txt/.test(l.line))).toBe(
      true,
    );
    await expectNoExecLeftovers();
  });

  it('runs a 0.8 file with a parallel group', async () => {
    const dir = project(`pipeline:
  a:
    image: hangar/busybox:latest
    group: both
    commands:
      - touch a.ready
      - i=0; until [ -f b.ready ]; do i=$((i+1)); [ $i -lt 100 ] || exit 9; sleep 0.1; done
  b:
    image: hangar/busybox:latest
    group: both
    commands:
      - touch b.ready
      - i=0; until [ -f a.ready ]; do i=$((i+1)); [ $i -lt 100 ] || exit 9; sleep 0.1; done
  done:
    image: hangar/busybox:latest
    commands:
      - ls a.ready b.ready
`);
    const r = await hangar(dir, ['exec', '--format', 'json']);
    expect(r.code).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(last.steps.map((s: { status: string }) => s.status)).toEqual([
      'skipped',
      'success',
      'success',
      'success',
    ]);
    await expectNoExecLeftovers();
  });

  it('refuses host volumes unless --trusted is given', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'hangar-exec-host-'));
    writeFileSync(join(shared, 'marker.txt'), 'host-volume-ok\n');
    const dir = project(`kind: pipeline
name: default
steps:
- name: cache
  image: hangar/busybox:latest
  volumes:
  - name: shared
    path: /cache
  commands:
  - cat /cache/marker.txt
volumes:
- name: shared
  host:
    path: ${shared}
`);
    const refused = await hangar(dir, ['exec']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^\.drone\.yml:\d+:\d+: .*trusted/m);
    expect(refused.stdout).toBe('');
    const trusted = await hangar(dir, ['exec', '--trusted']);
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toMatch(/^\[cache\] +host-volume-ok$/m);
    await expectNoExecLeftovers();
  });

  it('names the pipelines when --pipeline asks for one that is not there', async () => {
    const dir = project(V1);
    const r = await hangar(dir, ['exec', '--pipeline', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("hangar: no pipeline named 'nope' in the file; its pipelines are: default\n");
  });
});

describe('hangar exec with image_pull_secrets', () => {
  const USER = 'ci-puller';
  const PASSWORD = 'pull-pa55-word';
  const MARKER = `private image for exec ${Date.now()}`;
  let registry: PrivateRegistry;

  const pipeline = (image: string) => `kind: pipeline
name: default
image_pull_secrets:
- dockerconfig
steps:
- name: build
  image: ${image}
  commands:
  - cat /etc/hangar-private
  - echo "{ built }"
`;

  beforeAll(async () => {
    registry = await startPrivateRegistry({
      username: USER,
      password: PASSWORD,
      source: BUSYBOX,
      as: 'team/exec:1',
      files: { '/etc/hangar-private': `${MARKER}\n` },
    });
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('pulls a private image with the credentials of --secret-file ~/.docker/config.json', async () => {
    const dir = project(pipeline(registry.image));
    const home = mkdtempSync(join(tmpdir(), 'hangar-exec-home-'));
    mkdirSync(join(home, '.docker'));
    // Laid out as `docker login` writes it: one brace per line, which must not mask the logs.
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const config = { auths: { [`http://${registry.host}/v2/`]: { auth } } };
    writeFileSync(join(home, '.docker', 'config.json'), `${JSON.stringify(config, null, '\t')}\n`);
    const r = await hangar(dir, ['exec', '--secret-file', 'dockerconfig=~/.docker/config.json'], {
      HOME: home,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^\\[build\\] +${MARKER}$`, 'm'));
    expect(r.stdout).toMatch(/^\[build\] +\{ built \}$/m);
    expect(r.stdout).toMatch(/^ {2}build +success +exit 0/m);
    const basic = `Basic ${auth}`;
    expect(registry.servedLayers()).toBe(true);
    expect(registry.seen).toContain(basic);
    expect(registry.seen.filter((a) => a !== undefined && a !== basic)).toEqual([]);
    expect(r.stdout).not.toContain(PASSWORD);
    expect(r.stdout).not.toContain(auth);
    await expectNoExecLeftovers();
  });

  it('fails the first pull with the flag to pass when the secret is not given', async () => {
    const image = registry.image.replace(':1', ':missing');
    const dir = project(pipeline(image));
    const seenBefore = registry.seen.length;
    const r = await hangar(dir, ['exec', '--format', 'json']);
    expect(r.code).toBe(1);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(last.status).toBe('error');
    expect(last.steps.find((s: { name: string }) => s.name === 'build')).toMatchObject({
      status: 'error',
      error: `could not pull image ${image}: image_pull_secrets: no secret 'dockerconfig' was given to hangar exec; pass it with --secret-file dockerconfig=$HOME/.docker/config.json`,
    });
    expect(registry.seen.length).toBe(seenBefore);
    await expectNoExecLeftovers();
  });

  it('fails the first pull, without showing the value, when the secret is not a Docker config', async () => {
    const image = registry.image.replace(':1', ':bad');
    const dir = project(pipeline(image));
    const seenBefore = registry.seen.length;
    const r = await hangar(dir, ['exec', '--secret', `dockerconfig=${USER}:${PASSWORD}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `could not pull image ${image}: image_pull_secrets: secret 'dockerconfig' is not a Docker config JSON: it is not valid JSON; pass a config.json that holds the credentials under "auths" with --secret-file dockerconfig=PATH`,
    );
    expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
    expect(registry.seen.length).toBe(seenBefore);
    await expectNoExecLeftovers();
  });
});
