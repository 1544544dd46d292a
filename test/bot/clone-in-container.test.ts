/**
 * A build started by a real webhook clones the GitLab double's repository
 * over HTTP inside a container, with the credentials the bot handed out, and
 * its step sees the files of the pushed commit. Containers cannot reach
 * 127.0.0.1 of the host, so the test creates its own Docker network and the
 * double listens on that network's gateway (the host's side of the bridge);
 * nothing leaves the host. The network is removed afterwards.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotCluster, waitFor } from './harness.js';

const run = promisify(execFile);
const NETWORK = `hangar-test-bot-clone-${randomBytes(4).toString('hex')}`;

async function docker(args: string[]): Promise<string> {
  return (await run('docker', args)).stdout.trim();
}

/** A pipeline that clones (the default clone step) and checks the file it expects. */
function clonePipeline(expected: string): string {
  return `kind: pipeline
name: default
steps:
  - name: check
    image: hangar/busybox:latest
    pull: if-not-exists
    commands:
      - cat hello.txt
      - test "$(cat hello.txt)" = "${expected}"
`;
}

let c: BotCluster;

beforeAll(async () => {
  await docker(['network', 'create', '--label', 'hangar.test=bot-clone', NETWORK]);
  const gateway = await docker(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', NETWORK]);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(gateway))
    throw new Error(`network ${NETWORK} has no IPv4 gateway: '${gateway}'`);
  c = await BotCluster.start({ runner: true, gitlabHost: gateway, files: { 'hello.txt': 'first' } });
}, 60_000);

afterAll(async () => {
  await c?.dispose();
  await docker(['network', 'rm', NETWORK]).catch(() => {});
});

describe('clone inside a container', () => {
  it("fetches the pushed commit of a private project with the bot's credentials; the step sees its files", async () => {
    expect(c.project.visibility).toBe('private');
    expect(new URL(c.repo.cloneUrl).hostname).not.toBe('127.0.0.1');
    const token = randomBytes(6).toString('hex');
    const gitBefore = c.gitlab.requestsTo('git').length;
    const { sha } = await c.push({ '.drone.yml': clonePipeline(token), 'hello.txt': token });
    const created = await waitFor(`a build of ${sha}`, async () =>
      (await c.listBuilds()).find((b) => b.sha === sha),
    );
    const build = await c.waitFinished(created.number, 120_000);
    expect(build.status).toBe('SUCCESS');
    await waitFor('the success status', () => c.latest(sha, 'hangar/default')?.status === 'success');

    const git = c.gitlab.requestsTo('git').slice(gitBefore);
    const served = git.filter((r) => r.status === 200);
    expect(served.length).toBeGreaterThan(0);
    // Every request git answered was authenticated as the bot, with the netrc's login.
    expect(served.every((r) => r.userId === c.botUser.id && r.gitLogin === 'oauth2')).toBe(true);
    expect(served.some((r) => r.path.endsWith('/git-upload-pack'))).toBe(true);
  });
});
