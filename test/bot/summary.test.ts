/**
 * The summary note's pacing against the GitLab double: changes that come in
 * a burst become one edit per interval, a 429 puts the edit off as long as
 * Retry-After says, a note whose id the database lost is found again by its
 * marker, and an older build never replaces a newer one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repo, Store } from '../../services/coordinator/store/index.js';
import { createBuildCalls } from '../../services/gitlab-bot/api/build-service.js';
import { createGitLabApi, type GitLabApi } from '../../services/gitlab-bot/gitlab/index.js';
import { SUMMARY_MARKER } from '../../services/gitlab-bot/summary/render.js';
import { SummaryUpdater } from '../../services/gitlab-bot/summary/updater.js';
import { silentLogger } from '../../services/shared/log.js';
import { GitLabDouble, type MergeRequest, type Project, Role } from '../gitlab-double/index.js';
import { useDatabase } from '../store/engines.js';
import { build, job, step } from './build-messages.js';

const db = useDatabase('sqlite');
let gitlab: GitLabDouble;
let api: GitLabApi;
let project: Project;
let store: Store;
let repo: Repo;
// No step fails in these builds, so no log is read: the address is never dialled.
const builds = createBuildCalls({ address: '127.0.0.1:1' });

beforeAll(async () => {
  gitlab = await GitLabDouble.start();
  const bot = gitlab.addUser({ username: 'hangar-bot', bot: true });
  project = await gitlab.createProject({ path: 'acme/app', files: { 'a.txt': 'a' } });
  gitlab.addMember(project, bot, Role.developer);
  api = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(bot), timeoutMs: 5000 });
  store = await db.open();
  repo = await store.repos.create({ projectId: project.id, slug: 'acme/app', cloneUrl: 'x', active: true });
});

afterAll(async () => {
  builds.close();
  api?.close();
  await gitlab?.close();
});

function updater(intervalMs: number) {
  return new SummaryUpdater({
    store,
    gitlab: api,
    builds,
    log: silentLogger,
    publicUrl: 'http://ci.test',
    intervalMs,
  });
}

async function openMr(branch: string): Promise<MergeRequest> {
  const author = gitlab.addUser({ username: `author-${branch}` });
  return gitlab.createMergeRequest({ project, sourceBranch: branch, author });
}

function mrBuild(mr: MergeRequest, number: number, steps: string[]) {
  return build({
    number,
    event: 'pull_request',
    mergeRequestIid: mr.iid,
    status: 'RUNNING',
    jobs: [
      job('default', {
        status: 'RUNNING',
        steps: steps.map((name, i) =>
          step(name, { number: i + 1, status: i === steps.length - 1 ? 'RUNNING' : 'SUCCESS' }),
        ),
      }),
    ],
  });
}

const summaries = (mr: MergeRequest) => mr.notes.filter((n) => n.body.startsWith(SUMMARY_MARKER));

describe('the summary note updater', () => {
  it('turns a burst of changes into one note and few edits, ending with the newest state', async () => {
    const mr = await openMr('burst');
    const u = updater(400);
    const since = gitlab.requests.length;
    const shown: Promise<void>[] = [];
    for (let i = 1; i <= 12; i++) {
      shown.push(
        u.update(
          mrBuild(
            mr,
            1,
            Array.from({ length: i }, (_, k) => `s${k}`),
          ),
          repo,
        ),
      );
    }
    // Every change is reported shown once an edit with it (or a newer state) is made.
    await Promise.all(shown);
    expect(summaries(mr)[0]?.body).toContain('s11');
    await u.flush();
    const writes = gitlab.requests
      .slice(since)
      .filter((r) => r.route === 'notes.create' || r.route === 'notes.edit');
    expect(writes.length).toBeLessThanOrEqual(3);
    expect(summaries(mr)).toHaveLength(1);
    await u.stop();
  });

  it('puts an edit off as long as GitLab asks on 429, then makes it', async () => {
    const mr = await openMr('limited');
    const u = updater(50);
    await u.update(mrBuild(mr, 1, ['first']), repo);
    expect(summaries(mr)).toHaveLength(1);
    gitlab.injectFault({ route: 'notes.edit', status: 429, retryAfter: 2, times: 1 });
    const asked = Date.now();
    await u.update(mrBuild(mr, 1, ['first', 'second']), repo);
    expect(summaries(mr)[0]?.body).toContain('second');
    expect(Date.now() - asked).toBeGreaterThanOrEqual(1900);
    const edits = gitlab
      .requestsTo('notes.edit')
      .filter((r) => r.path.includes(`/merge_requests/${mr.iid}/`));
    expect(edits.map((r) => r.status)).toEqual([429, 200]);
    await u.stop();
  });

  it('finds its note again by the marker, and never shows an older build over a newer one', async () => {
    const mr = await openMr('again');
    const first = updater(50);
    await first.update(mrBuild(mr, 2, ['new']), repo);
    expect(summaries(mr)[0]?.body).toContain('build #2');
    await first.stop();
    // A database that lost the note id: the bot's own marked note is found and edited, not duplicated.
    await (await db.raw()).run('DELETE FROM mr_summary_notes WHERE mr_iid = ?', [mr.iid]);
    const second = updater(50);
    await second.update(mrBuild(mr, 3, ['newer']), repo);
    expect(summaries(mr)[0]?.body).toContain('build #3');
    await second.update(mrBuild(mr, 2, ['late event of build 2']), repo);
    await second.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(summaries(mr)).toHaveLength(1);
    expect(summaries(mr)[0]?.body).toContain('build #3');
    await second.stop();
  });
});
