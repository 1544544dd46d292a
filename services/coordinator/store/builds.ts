import type { BuildEvent } from '../../shared/pipeline/types.js';
import type { StoreContext } from './context.js';
import type { SqlValue } from './db.js';
import { NotFoundError, SecretKeyError } from './errors.js';
import { toJob } from './job-row.js';
import { insertJob } from './jobs.js';
import { bool, inList, json, num, optNumber, str } from './rows.js';
import { sealer } from './sealed.js';
import {
  type AcceptView,
  BUILD_STATUSES,
  type Build,
  type BuildInput,
  type BuildInputs,
  type BuildStatus,
  type BuildWithJobs,
  isFinished,
  type Job,
  type JobInput,
  type Netrc,
} from './types.js';

export interface BuildFilter {
  repoId?: number;
  branch?: string;
  mergeRequestIid?: number;
  statuses?: readonly BuildStatus[];
  /** Only builds numbered below this (paging through one repository). */
  before?: number;
  /** Default 25, at most 1000. */
  limit?: number;
}

export interface CancelResult {
  build: Build;
  /** False when the build had ended already; nothing changed. */
  cancelled: boolean;
  /** Jobs that had not started: now `killed`. */
  stopped: Job[];
  /** Jobs a runner holds: marked for cancel, to be signalled to their runners. */
  running: Job[];
}

/**
 * Makes a build's jobs once its number is known (inside the transaction that
 * creates it), and may end the build at once: `error` for a pipeline file that
 * does not compile, `skipped` when no pipeline runs.
 */
export type JobPlanner = (build: Build) => {
  jobs: readonly JobInput[];
  status?: BuildStatus;
  error?: string;
};

export interface BuildStore {
  /**
   * Creates a build with its jobs and their steps in one transaction. Its
   * number is the repository's next, taken from a counter in the same
   * transaction: sequential under concurrency and never handed out twice.
   * The pipeline file and clone credentials in `input` are kept (the
   * credentials encrypted; without a secret key they are refused).
   */
  create(repoId: number, input: BuildInput, jobs?: readonly JobInput[] | JobPlanner): Promise<BuildWithJobs>;
  /** The pipeline file and clone credentials the build was made with, when they were kept. */
  inputs(id: number): Promise<BuildInputs | undefined>;
  /**
   * What a runner taking job `jobId` of build `buildId` is told, in one read:
   * the build, the job's plan as stored (JSON) and the build's clone
   * credentials, if kept. Undefined when the build or the plan is gone.
   */
  forAccept(buildId: number, jobId: number): Promise<AcceptView | undefined>;
  get(id: number): Promise<Build | undefined>;
  byNumber(repoId: number, number: number): Promise<Build | undefined>;
  /** Newest first. */
  list(filter?: BuildFilter): Promise<Build[]>;
  /**
   * Moves an unfinished build to `status`, stamping started/finished times.
   * Undefined when the build had ended already (an ended build never changes).
   */
  setStatus(id: number, status: BuildStatus, error?: string): Promise<Build | undefined>;
  cancel(id: number): Promise<CancelResult>;
  /** Builds of a repository in `running` state (for its concurrency limit). */
  countRunning(repoId: number): Promise<number>;
}

const FINISHED_SQL = "('success', 'failure', 'killed', 'error', 'skipped')";

export function toBuild(r: Record<string, unknown>): Build {
  return {
    id: num(r.id),
    repoId: num(r.repo_id),
    number: num(r.number),
    parentId: optNumber(r.parent_id),
    event: str(r.event) as BuildEvent,
    status: str(r.status) as BuildStatus,
    error: str(r.error),
    ref: str(r.ref),
    branch: str(r.branch),
    sha: str(r.sha),
    beforeSha: str(r.before_sha),
    message: str(r.message),
    title: str(r.title),
    author: str(r.author),
    authorEmail: str(r.author_email),
    authorAvatar: str(r.author_avatar),
    sender: str(r.sender),
    sourceBranch: str(r.source_branch),
    targetBranch: str(r.target_branch),
    mergeRequestIid: optNumber(r.mr_iid),
    fork: bool(r.fork),
    link: str(r.link),
    deployTo: str(r.deploy_to),
    params: json(r.params, {}),
    createdAt: num(r.created_at),
    startedAt: optNumber(r.started_at),
    finishedAt: optNumber(r.finished_at),
  };
}

function checkStatus(status: string): void {
  if (!(BUILD_STATUSES as readonly string[]).includes(status))
    throw new RangeError(`unknown build status ${status}`);
}

export function buildStore(ctx: StoreContext): BuildStore {
  const { db, now } = ctx;
  const sealed = sealer(ctx, 'netrc');
  const openNetrc = (repoId: number, buildId: number, stored: string): Netrc =>
    JSON.parse(
      sealed.open(repoId, String(buildId), stored, `the clone credentials of build ${buildId}`),
    ) as Netrc;
  return {
    async create(repoId, input, jobs = []) {
      const status = input.status ?? 'pending';
      checkStatus(status);
      if (input.netrc !== undefined && ctx.cipher === undefined) {
        throw new SecretKeyError(
          'no secret key is configured, so clone credentials cannot be kept; set HANGAR_SECRET_KEY (or DRONE_DATABASE_SECRET) to 32 bytes as hex or base64, e.g. the output of: openssl rand -hex 32',
        );
      }
      return db.tx(async (q) => {
        const t = now();
        const counter = await q.get<{ build_counter: number }>(
          'UPDATE repos SET build_counter = build_counter + 1 WHERE id = ? RETURNING build_counter',
          [repoId],
        );
        if (counter === undefined) throw new NotFoundError(`repository ${repoId} is not registered`);
        const row = await q.get<Record<string, unknown>>(
          `INSERT INTO builds (repo_id, number, parent_id, event, status, error, ref, branch, sha, before_sha, message,
             title, author, author_email, author_avatar, sender, source_branch, target_branch, mr_iid, fork, link,
             deploy_to, params, created_at, finished_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
          [
            repoId,
            Number(counter.build_counter),
            input.parentId ?? null,
            input.event,
            status,
            input.error ?? '',
            input.ref,
            input.branch ?? '',
            input.sha,
            input.beforeSha ?? '',
            input.message ?? '',
            input.title ?? '',
            input.author ?? '',
            input.authorEmail ?? '',
            input.authorAvatar ?? '',
            input.sender ?? '',
            input.sourceBranch ?? '',
            input.targetBranch ?? '',
            input.mergeRequestIid ?? null,
            input.fork ?? false,
            input.link ?? '',
            input.deployTo ?? '',
            JSON.stringify(input.params ?? {}),
            t,
            isFinished(status) ? t : null,
          ],
        );
        let build = toBuild(row as Record<string, unknown>);
        if (input.config !== undefined || input.netrc !== undefined) {
          await q.run('INSERT INTO build_inputs (build_id, config, netrc) VALUES (?, ?, ?)', [
            build.id,
            input.config ?? '',
            input.netrc === undefined
              ? null
              : sealed.seal(repoId, String(build.id), JSON.stringify(input.netrc)),
          ]);
        }
        let planned: readonly JobInput[] = [];
        if (typeof jobs === 'function') {
          const plan = jobs(build);
          planned = plan.jobs;
          if (plan.status !== undefined && (plan.status !== build.status || plan.error !== undefined)) {
            checkStatus(plan.status);
            const ended = await q.get<Record<string, unknown>>(
              'UPDATE builds SET status = ?, error = ?, finished_at = ? WHERE id = ? RETURNING *',
              [plan.status, plan.error ?? build.error, isFinished(plan.status) ? t : null, build.id],
            );
            build = toBuild(ended as Record<string, unknown>);
          }
        } else {
          planned = jobs;
        }
        const out: BuildWithJobs = { build, jobs: [], steps: [] };
        for (const [i, job] of planned.entries()) {
          const inserted = await insertJob(q, build.id, i + 1, job, t);
          out.jobs.push(inserted.job);
          out.steps.push(...inserted.steps);
        }
        return out;
      });
    },

    async get(id) {
      const row = await db.get<Record<string, unknown>>('SELECT * FROM builds WHERE id = ?', [id]);
      return row === undefined ? undefined : toBuild(row);
    },

    async inputs(id) {
      const row = await db.get<{ config: string; netrc: string | null; repo_id: number }>(
        'SELECT i.config, i.netrc, b.repo_id FROM build_inputs i JOIN builds b ON b.id = i.build_id WHERE i.build_id = ?',
        [id],
      );
      if (row === undefined) return undefined;
      if (row.netrc === null) return { config: row.config };
      return { config: row.config, netrc: openNetrc(Number(row.repo_id), id, row.netrc) };
    },

    async forAccept(buildId, jobId) {
      // The aliases cannot collide with a column of builds.
      const row = await db.get<
        Record<string, unknown> & { accept_plan: string; accept_netrc: string | null }
      >(
        `SELECT b.*, p.plan AS accept_plan, i.netrc AS accept_netrc
           FROM builds b
           JOIN job_plans p ON p.job_id = ?
           LEFT JOIN build_inputs i ON i.build_id = b.id
          WHERE b.id = ?`,
        [jobId, buildId],
      );
      if (row === undefined) return undefined;
      const build = toBuild(row);
      return {
        build,
        planJson: row.accept_plan,
        ...(row.accept_netrc === null || row.accept_netrc === undefined
          ? {}
          : { netrc: openNetrc(build.repoId, buildId, row.accept_netrc) }),
      };
    },

    async byNumber(repoId, number) {
      const row = await db.get<Record<string, unknown>>(
        'SELECT * FROM builds WHERE repo_id = ? AND number = ?',
        [repoId, number],
      );
      return row === undefined ? undefined : toBuild(row);
    },

    async list(filter = {}) {
      const where: string[] = [];
      const params: SqlValue[] = [];
      const add = (clause: string, ...values: SqlValue[]) => {
        where.push(clause);
        params.push(...values);
      };
      if (filter.repoId !== undefined) add('repo_id = ?', filter.repoId);
      if (filter.branch !== undefined) add('branch = ?', filter.branch);
      if (filter.mergeRequestIid !== undefined) add('mr_iid = ?', filter.mergeRequestIid);
      if (filter.statuses !== undefined) {
        if (filter.statuses.length === 0) return [];
        add(`status IN ${inList(filter.statuses.length)}`, ...filter.statuses);
      }
      if (filter.before !== undefined) add('number < ?', filter.before);
      const limit = Math.min(Math.max(1, filter.limit ?? 25), 1000);
      const rows = await db.all<Record<string, unknown>>(
        `SELECT * FROM builds ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
        [...params, limit],
      );
      return rows.map(toBuild);
    },

    async setStatus(id, status, error) {
      checkStatus(status);
      const t = now();
      const row = await db.get<Record<string, unknown>>(
        `UPDATE builds SET status = ?, error = COALESCE(?, error), started_at = COALESCE(started_at, ?),
           finished_at = COALESCE(?, finished_at)
         WHERE id = ? AND status NOT IN ${FINISHED_SQL} RETURNING *`,
        [status, error ?? null, status === 'running' ? t : null, isFinished(status) ? t : null, id],
      );
      return row === undefined ? undefined : toBuild(row);
    },

    async cancel(id) {
      return db.tx(async (q) => {
        const t = now();
        const row = await q.get<Record<string, unknown>>(
          `UPDATE builds SET status = 'killed', finished_at = ? WHERE id = ? AND status NOT IN ${FINISHED_SQL}
           RETURNING *`,
          [t, id],
        );
        if (row === undefined) {
          const current = await q.get<Record<string, unknown>>('SELECT * FROM builds WHERE id = ?', [id]);
          if (current === undefined) throw new NotFoundError(`build ${id} does not exist`);
          return { build: toBuild(current), cancelled: false, stopped: [], running: [] };
        }
        const stopped = await q.all<Record<string, unknown>>(
          `UPDATE jobs SET status = 'killed', error = '', finished_at = ?
           WHERE build_id = ? AND status IN ('pending', 'queued', 'blocked') RETURNING *`,
          [t, id],
        );
        await q.run(
          `UPDATE steps SET status = 'skipped' WHERE status = 'pending'
             AND job_id IN (SELECT id FROM jobs WHERE build_id = ? AND status = 'killed')`,
          [id],
        );
        const running = await q.all<Record<string, unknown>>(
          `UPDATE jobs SET cancel_requested = TRUE WHERE build_id = ? AND status = 'running' RETURNING *`,
          [id],
        );
        const byNumber = (a: Job, b: Job) => a.number - b.number;
        return {
          build: toBuild(row),
          cancelled: true,
          stopped: stopped.map(toJob).sort(byNumber),
          running: running.map(toJob).sort(byNumber),
        };
      });
    },

    async countRunning(repoId) {
      const row = await db.get<{ n: number }>(
        "SELECT COUNT(*) AS n FROM builds WHERE repo_id = ? AND status = 'running'",
        [repoId],
      );
      return Number(row?.n ?? 0);
    },
  };
}
