/** `/hangar cancel`: stops the merge request's unfinished builds and drops builds waiting for approval. */

import { heldStatusName, heldStatusTarget } from '../webhooks/submit-build.js';
import { UNFINISHED_BUILD_STATUSES } from './build-states.js';
import { buildLink, type CommandCall, type CommandResult, type CommandSpec, ok, refused } from './deps.js';

async function cancel({ deps, repo, mr, author, log }: CommandCall): Promise<CommandResult> {
  const open = await deps.store.builds.list({
    repoId: repo.id,
    mergeRequestIid: mr.iid,
    statuses: UNFINISHED_BUILD_STATUSES,
    limit: 100,
  });
  const cancelled: number[] = [];
  for (const b of open) {
    await deps.builds.cancelBuild({ repo: { projectId: repo.projectId }, number: b.number });
    cancelled.push(b.number);
    log.info({ build: b.number, mr: mr.iid, by: author.username }, 'build cancelled by comment');
  }
  const dropped = await deps.store.heldBuilds.drop(repo.projectId, mr.iid);
  for (const held of dropped) {
    await deps.statuses.publish(heldStatusTarget(held, repo.id), {
      name: heldStatusName(deps.statuses.prefix),
      state: 'canceled',
      description: `canceled by @${author.username} before approval`,
      targetUrl: '',
    });
  }
  if (cancelled.length === 0 && dropped.length === 0) {
    return refused('nothing to cancel: no build of this merge request is running or waiting.');
  }
  const parts: string[] = [];
  if (cancelled.length > 0)
    parts.push(`cancelled ${cancelled.map((n) => buildLink(deps, repo, n)).join(', ')}`);
  if (dropped.length > 0) {
    parts.push(
      `dropped ${dropped.length === 1 ? 'the build' : `${dropped.length} builds`} waiting for approval`,
    );
  }
  return ok(`${parts.join(' and ')}.`);
}

export const cancelCommand: CommandSpec = {
  name: 'cancel',
  usage: 'cancel',
  summary: "stops the merge request's running and pending builds",
  maxArgs: 0,
  needsDeveloper: true,
  run: cancel,
};
