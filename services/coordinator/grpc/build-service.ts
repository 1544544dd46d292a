/**
 * BuildService: what the bot and the command line call, with DRONE_SECRET.
 */
import { status } from '@grpc/grpc-js';
import type { BuildServiceHandlers } from '../../../proto/load.js';
import { StatusError } from '../../shared/grpc/status.js';
import { type BuildEvent, EVENTS } from '../../shared/pipeline/types.js';
import { cancelBuild } from '../builds/cancel.js';
import { createBuild } from '../builds/create.js';
import { findBuild, findRepo } from '../builds/repo-ref.js';
import { restartBuild } from '../builds/restart.js';
import type { CoordinatorContext } from '../context.js';
import { tailLog } from '../logs/tail.js';
import type { Build, Repo } from '../store/index.js';
import type { Authenticator } from './auth.js';
import { buildMessage, runnerMessage } from './convert.js';
import { failStream, unary } from './handle.js';
import { SHUTDOWN_STATUS, type StreamTracker } from './server.js';

function checkEvent(event: string): BuildEvent {
  if ((EVENTS as readonly string[]).includes(event)) return event as BuildEvent;
  throw new StatusError(status.INVALID_ARGUMENT, `event '${event}' is not one of ${EVENTS.join(', ')}`);
}

export function buildService(
  ctx: CoordinatorContext,
  auth: Authenticator,
  streams: StreamTracker,
): BuildServiceHandlers {
  const { store, log } = ctx;
  /** Runner id → name. Names are fixed per id (a runner registers by name), so they are kept. */
  const runnerNames = new Map<number, string>();

  const full = async (build: Build, repo: Repo) => {
    const jobs = await store.jobs.summariesByBuild(build.id);
    const steps = await store.steps.listByJobs(jobs.map((j) => j.id));
    for (const j of jobs) {
      if (j.runnerId === undefined || runnerNames.has(j.runnerId)) continue;
      const r = await store.runners.get(j.runnerId);
      if (r !== undefined) runnerNames.set(r.id, r.name);
    }
    return buildMessage(build, repo, jobs, steps, runnerNames);
  };

  return {
    CreateBuild: unary('CreateBuild', log, async (req, call) => {
      auth.client(call, 'CreateBuild');
      const repo = await findRepo(store, req.repo);
      const event = checkEvent(req.event);
      if (req.sha.trim() === '' || req.ref.trim() === '') {
        throw new StatusError(
          status.INVALID_ARGUMENT,
          'a build needs the commit sha and its ref (e.g. refs/heads/main)',
        );
      }
      const netrc =
        req.netrc !== null && (req.netrc.login !== '' || req.netrc.password !== '')
          ? { machine: req.netrc.machine, login: req.netrc.login, password: req.netrc.password }
          : undefined;
      const made = await createBuild(ctx, {
        repo,
        input: {
          event,
          ref: req.ref,
          branch: req.branch,
          sha: req.sha,
          beforeSha: req.beforeSha,
          message: req.message,
          title: req.title,
          author: req.author,
          authorEmail: req.authorEmail,
          authorAvatar: req.authorAvatar,
          sender: req.sender,
          sourceBranch: req.sourceBranch,
          targetBranch: req.targetBranch,
          ...(req.mergeRequestIid > 0 ? { mergeRequestIid: req.mergeRequestIid } : {}),
          fork: req.fork,
          link: req.link,
          deployTo: req.deployTo,
          params: req.params,
        },
        config: req.config,
        ...(netrc === undefined ? {} : { netrc }),
      });
      return buildMessage(made.build, repo, made.jobs, made.steps);
    }),

    GetBuild: unary('GetBuild', log, async (req, call) => {
      auth.client(call, 'GetBuild');
      const repo = await findRepo(store, req.repo);
      return full(await findBuild(store, repo, req.number), repo);
    }),

    ListBuilds: unary('ListBuilds', log, async (req, call) => {
      auth.client(call, 'ListBuilds');
      const repo = await findRepo(store, req.repo);
      const builds = await store.builds.list({
        repoId: repo.id,
        ...(req.branch === '' ? {} : { branch: req.branch }),
        ...(req.before > 0 ? { before: req.before } : {}),
        limit: Math.min(Math.max(1, req.limit || 25), 100),
      });
      return { builds: builds.map((b) => buildMessage(b, repo)) };
    }),

    CancelBuild: unary('CancelBuild', log, async (req, call) => {
      auth.client(call, 'CancelBuild');
      const repo = await findRepo(store, req.repo);
      const build = await cancelBuild(ctx, await findBuild(store, repo, req.number));
      return full(build, repo);
    }),

    RestartBuild: unary('RestartBuild', log, async (req, call) => {
      auth.client(call, 'RestartBuild');
      const repo = await findRepo(store, req.repo);
      const old = await findBuild(store, repo, req.number);
      const made = await restartBuild(ctx, repo, old, {
        failedOnly: req.failedOnly,
        pipeline: req.pipeline,
        params: req.params,
      });
      return buildMessage(made.build, repo, made.jobs, made.steps);
    }),

    TailLog: (call) => {
      let closed = false;
      const forget = streams.add(() => {
        if (closed) return;
        closed = true;
        call.emit('error', SHUTDOWN_STATUS);
      });
      call.on('cancelled', () => {
        closed = true;
      });
      (async () => {
        auth.client(call, 'TailLog');
        await tailLog(ctx, call, () => closed || call.cancelled);
      })().then(
        () => {
          forget();
          if (!closed) {
            closed = true;
            call.end();
          }
        },
        (err: unknown) => {
          forget();
          if (!closed) {
            closed = true;
            failStream(call, err, 'TailLog', log);
          }
        },
      );
    },

    ListRunners: unary('ListRunners', log, async (_req, call) => {
      auth.client(call, 'ListRunners');
      return { runners: (await store.runners.list()).map(runnerMessage) };
    }),
  };
}
