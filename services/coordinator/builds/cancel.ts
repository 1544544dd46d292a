/**
 * Cancelling a build: jobs no runner holds end at once as `killed`; jobs a
 * runner holds are signalled on NATS right away, and the runner also learns
 * it from its next lease extension, so a lost signal cannot leave one running.
 */
import type { CoordinatorContext } from '../context.js';
import type { Build } from '../store/index.js';
import { buildEnded, jobEnded } from './lifecycle.js';

export async function cancelBuild(ctx: CoordinatorContext, build: Build, reason?: string): Promise<Build> {
  const result = await ctx.store.builds.cancel(build.id);
  if (!result.cancelled) return result.build;
  const ended = result.build;
  ctx.log.info(
    { build: build.id, number: build.number, running: result.running.length, reason: reason ?? 'asked to' },
    'build cancelled',
  );
  for (const job of result.running) {
    ctx.bus.publishCancel(String(job.id));
    await ctx.events.job(job);
  }
  for (const job of result.stopped) await jobEnded(ctx, job);
  await buildEnded(ctx, ended);
  return ended;
}
