/**
 * GET /api/repos/:repo/builds/:number/logs/:pipeline/:step — a step's log as
 * text. `:pipeline` is the pipeline's stage number or name. With
 * `?follow=true` the answer streams new lines until the step ends.
 */
import { Readable } from 'node:stream';
import type { Router } from '@koa/router';
import type { LogChunkMessage } from './build-service.js';
import { buildNumber } from './builds.js';
import type { ApiDeps } from './deps.js';
import { HttpError } from './http-error.js';
import { findRepo, repoRef } from './repo-param.js';

function chunkText(chunk: LogChunkMessage): string {
  return chunk.lines.map((l) => (l.endsWith('\n') ? l : `${l}\n`)).join('');
}

export function logRoutes(router: Router, deps: ApiDeps): void {
  router.get('/repos/:repo/builds/:number/logs/:pipeline/:step', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    const number = buildNumber(ctx);
    const pipeline = ctx.params.pipeline ?? '';
    const step = ctx.params.step ?? '';
    let jobNumber = Number(pipeline);
    if (!/^\d+$/.test(pipeline)) {
      const build = await deps.builds.getBuild({ repo: { projectId: repo.projectId }, number });
      const job = build.jobs.find((j) => j.name === pipeline);
      if (!job) {
        throw new HttpError(
          404,
          `build ${number} of ${repo.slug} has no pipeline '${pipeline}'; its pipelines are: ${build.jobs.map((j) => j.name).join(', ') || 'none'}`,
        );
      }
      jobNumber = job.number;
    }
    const follow = ctx.query.follow === 'true' || ctx.query.follow === '1';
    const abort = new AbortController();
    const chunks = deps.builds.tailLog(
      { repo: { projectId: repo.projectId }, buildNumber: number, jobNumber, step, afterSeq: 0, follow },
      abort.signal,
    );
    ctx.type = 'text/plain; charset=utf-8';
    if (!follow) {
      let text = '';
      for await (const chunk of chunks) text += chunkText(chunk);
      ctx.body = text;
      return;
    }
    // Wait for the first answer before streaming, so a wrong step still gets a JSON error.
    const it = chunks[Symbol.asyncIterator]();
    const first = await it.next();
    ctx.res.once('close', () => abort.abort());
    ctx.set('cache-control', 'no-store');
    ctx.set('x-content-type-options', 'nosniff');
    async function* rest() {
      if (!first.done) yield chunkText(first.value);
      for (let r = await it.next(); !r.done; r = await it.next()) yield chunkText(r.value);
    }
    ctx.body = Readable.from(rest());
  });
}
