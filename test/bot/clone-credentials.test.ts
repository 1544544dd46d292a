/**
 * Clone credentials as Drone hands them out, through real deliveries: a
 * build of a public project gets none, one of a private or internal project
 * gets the bot's, and DRONE_GITLAB_PRIVATE_MODE gives them to every build.
 * The project's visibility is taken from each delivery, so a change in
 * GitLab counts from the next event on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotCluster, waitFor } from './harness.js';

let c: BotCluster;

beforeAll(async () => {
  c = await BotCluster.start();
});

afterAll(async () => {
  await c?.dispose();
});

/** Pushes a commit and returns the clone credentials the coordinator keeps for its build. */
async function pushAndReadNetrc(file: string) {
  const { sha } = await c.push({ [file]: file });
  const build = await waitFor(`a build of ${sha}`, async () =>
    (await c.listBuilds()).find((b) => b.sha === sha),
  );
  const stored = await c.coordinator.store.builds.byNumber(c.repo.id, build.number);
  if (stored === undefined) throw new Error(`build ${build.number} is not stored`);
  return (await c.coordinator.store.builds.inputs(stored.id))?.netrc;
}

async function storedVisibility(): Promise<string | undefined> {
  return (await c.coordinator.store.repos.get(c.repo.id))?.visibility;
}

describe('clone credentials by project visibility', () => {
  it('a public project builds without them; made internal in GitLab, its next build has them', async () => {
    expect(await storedVisibility()).toBe('private');
    c.project.visibility = 'public';
    expect(await pushAndReadNetrc('a.txt')).toBeUndefined();
    expect(await storedVisibility()).toBe('public');

    c.project.visibility = 'internal';
    const netrc = await pushAndReadNetrc('b.txt');
    expect(await storedVisibility()).toBe('internal');
    expect(netrc).toEqual({ machine: '127.0.0.1', login: 'oauth2', password: c.token });
  });

  it('DRONE_GITLAB_PRIVATE_MODE gives them to builds of public projects too', async () => {
    c.project.visibility = 'public';
    await c.bot.stop();
    await c.startBot({ DRONE_GITLAB_PRIVATE_MODE: 'true' });
    const netrc = await pushAndReadNetrc('c.txt');
    expect(await storedVisibility()).toBe('public');
    expect(netrc).toMatchObject({ login: 'oauth2', password: c.token });
  });
});
