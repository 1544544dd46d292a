/**
 * Keeps one summary note per merge request up to date. Changes are coalesced:
 * at most one edit per merge request every `intervalMs`, showing the newest
 * state of the newest build. The note is created once and then edited; its
 * id is kept in the database, and when it is not known (a new database) the
 * bot looks for its own note with the hidden marker. A 429 or 5xx from GitLab
 * puts the edit off (as long as Retry-After asks, when it says).
 */
import type { Repo, Store } from '../../coordinator/store/index.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { BuildCalls, BuildMessage } from '../api/build-service.js';
import { type GitLabApi, GitLabNotFoundError, GitLabUnavailableError } from '../gitlab/index.js';
import { backoffMs } from '../statuses/backoff.js';
import { failedSteps, logKey, renderSummary, SUMMARY_MARKER } from './render.js';
import { lastLines } from './tail.js';

export interface SummaryUpdaterOptions {
  store: Store;
  gitlab: GitLabApi;
  builds: Pick<BuildCalls, 'tailLog'>;
  log: Logger;
  publicUrl: string;
  intervalMs: number;
  /** Log lines shown for a failed step. */
  logLines?: number;
}

interface Pending {
  repo: Repo;
  build: BuildMessage;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  lastEditAt: number;
  lastBody?: string;
  failures: number;
  /** Callers waiting for their change to be shown. */
  waiters: Waiter[];
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

const FINISHED = new Set(['SUCCESS', 'FAILURE', 'KILLED', 'ERROR', 'SKIPPED']);

export class SummaryUpdater {
  private readonly mrs = new Map<string, Pending>();
  private botUserId: number | undefined;
  private stopped = false;

  constructor(private readonly opts: SummaryUpdaterOptions) {}

  /**
   * A merge-request build changed: show it (coalesced with other changes).
   * Resolves once an edit showing this state (or a newer one) is made, or
   * GitLab refused it for good; rejects when the updater stops first.
   */
  update(build: BuildMessage, repo: Repo): Promise<void> {
    if (this.stopped || build.mergeRequestIid <= 0) return Promise.resolve();
    const key = `${repo.projectId}!${build.mergeRequestIid}`;
    let p = this.mrs.get(key);
    if (p === undefined) {
      p = { repo, build, lastEditAt: 0, failures: 0, waiters: [] };
      this.mrs.set(key, p);
    } else {
      if (build.number < p.build.number) return Promise.resolve();
      p.build = build;
      p.repo = repo;
    }
    const pending = p;
    const shown = new Promise<void>((resolve, reject) => pending.waiters.push({ resolve, reject }));
    this.schedule(key);
    return shown;
  }

  /** Resolves once every scheduled edit is done (for tests and shutdown). */
  async flush(): Promise<void> {
    for (const [key, p] of this.mrs) {
      if (p.timer !== undefined) {
        clearTimeout(p.timer);
        p.timer = undefined;
        await this.edit(key);
      }
      await p.running;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.mrs.values()) {
      if (p.timer) clearTimeout(p.timer);
      for (const w of p.waiters.splice(0)) w.reject(new Error('the summary updater stopped before the edit'));
    }
    await Promise.allSettled([...this.mrs.values()].map((p) => p.running));
  }

  private schedule(key: string, delayMs?: number): void {
    const p = this.mrs.get(key);
    if (p === undefined || p.timer !== undefined || this.stopped) return;
    const wait = delayMs ?? Math.max(0, p.lastEditAt + this.opts.intervalMs - Date.now());
    p.timer = setTimeout(() => {
      p.timer = undefined;
      void this.edit(key);
    }, wait);
  }

  private async edit(key: string): Promise<void> {
    const p = this.mrs.get(key);
    if (p === undefined) return;
    if (p.running !== undefined) {
      // An edit is under way; the newest state goes out after it.
      await p.running;
      this.schedule(key);
      return;
    }
    const build = p.build;
    const covered = p.waiters.splice(0);
    p.running = this.post(p, build)
      .then(() => {
        p.failures = 0;
        for (const w of covered) w.resolve();
      })
      .catch((err) => {
        p.failures += 1;
        if (p.failures < 8 && !this.stopped) p.waiters.unshift(...covered);
        else for (const w of covered) w.resolve();
        if (err instanceof GitLabUnavailableError) {
          const delay = Math.max(
            err.retryAfterMs ?? 0,
            backoffMs(p.failures, { baseMs: 2000, maxMs: 60_000 }),
          );
          this.opts.log.warn({ mr: key, retryInMs: delay, reason: err.message }, 'summary note edit put off');
          p.lastEditAt = Date.now() + delay - this.opts.intervalMs;
          return;
        }
        this.opts.log.error({ err, mr: key, reason: errorMessage(err) }, 'summary note edit failed');
      })
      .finally(() => {
        p.running = undefined;
        p.lastEditAt = Math.max(p.lastEditAt, Date.now());
        if (p.build !== build || (p.failures > 0 && p.failures < 8)) this.schedule(key);
        else if (FINISHED.has(build.status)) this.mrs.delete(key);
      });
    await p.running;
  }

  private async post(p: Pending, build: BuildMessage): Promise<void> {
    const { store, gitlab } = this.opts;
    const projectId = p.repo.projectId;
    const iid = build.mergeRequestIid;
    if (!(await store.summaryNotes.claim(projectId, iid, build.number))) return;
    const body = renderSummary(build, {
      publicUrl: this.opts.publicUrl,
      logs: await this.logs(build, projectId),
    });
    if (body === p.lastBody) return;
    const noteId =
      (await store.summaryNotes.get(projectId, iid))?.noteId ?? (await this.findNote(projectId, iid));
    if (noteId !== undefined) {
      try {
        await gitlab.editMergeRequestNote(projectId, iid, noteId, body);
        p.lastBody = body;
        return;
      } catch (err) {
        if (!(err instanceof GitLabNotFoundError)) throw err;
        // Someone deleted the note: write a new one.
      }
    }
    const note = await gitlab.createMergeRequestNote(projectId, iid, body);
    await store.summaryNotes.setNoteId(projectId, iid, note.id);
    p.lastBody = body;
  }

  private async findNote(projectId: number, iid: number): Promise<number | undefined> {
    this.botUserId ??= (await this.opts.gitlab.currentUser()).id;
    const notes = await this.opts.gitlab.listMergeRequestNotes(projectId, iid);
    const mine = notes.find((n) => n.author.id === this.botUserId && n.body.startsWith(SUMMARY_MARKER));
    if (mine !== undefined) await this.opts.store.summaryNotes.setNoteId(projectId, iid, mine.id);
    return mine?.id;
  }

  private async logs(build: BuildMessage, projectId: number): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const { job, step } of failedSteps(build)) {
      if (!FINISHED.has(step.status) && !step.oomKilled) continue;
      try {
        out.set(
          logKey(job, step),
          await lastLines(
            this.opts.builds,
            { projectId, buildNumber: build.number, jobNumber: job.number, step: step.name },
            this.opts.logLines ?? 20,
          ),
        );
      } catch (err) {
        this.opts.log.warn(
          { build: build.number, step: step.name, reason: errorMessage(err) },
          'step log not read',
        );
      }
    }
    return out;
  }
}
