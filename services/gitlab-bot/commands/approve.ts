/** `/hangar approve`: lets the builds of a merge request from a fork that wait for approval run. */
import { releaseHeldBuild } from '../webhooks/submit-build.js';
import { buildLink, type CommandCall, type CommandResult, type CommandSpec, ok, refused } from './deps.js';

async function approve({ deps, repo, mr, author, log }: CommandCall): Promise<CommandResult> {
  const waiting = await deps.store.heldBuilds.waiting(repo.projectId, mr.iid);
  if (waiting.length === 0) {
    return refused('nothing waits for approval on this merge request.');
  }
  const started: string[] = [];
  for (const held of waiting) {
    const build = await releaseHeldBuild(deps, held, author.username);
    if (!build) continue;
    log.info({ held: held.id, build: build.number, by: author.username }, 'held build approved');
    started.push(`${buildLink(deps, repo, build.number)} of ${held.sha.slice(0, 8)}`);
  }
  if (started.length === 0) return refused('the waiting build was approved already.');
  return ok(`approved; started ${started.join(', ')}.`);
}

export const approveCommand: CommandSpec = {
  name: 'approve',
  usage: 'approve',
  summary: 'lets a build of a merge request from a fork run',
  maxArgs: 0,
  needsDeveloper: true,
  run: approve,
};
