/**
 * `/hangar retry [PIPELINE]`: runs again the failed pipelines of the merge
 * request's latest build, or only the named one, as a new build.
 */

import { isFailed, isUnfinished, nameList } from './build-states.js';
import { buildLink, type CommandCall, type CommandResult, type CommandSpec, ok, refused } from './deps.js';

async function retry({ deps, repo, mr, args }: CommandCall): Promise<CommandResult> {
  const [latest] = await deps.store.builds.list({ repoId: repo.id, mergeRequestIid: mr.iid, limit: 1 });
  if (!latest) return refused('this merge request has no build yet; start one with `/hangar run`.');
  const ref = { projectId: repo.projectId };
  const build = await deps.builds.getBuild({ repo: ref, number: latest.number });
  const link = buildLink(deps, repo, build.number);
  const pipeline = args[0];
  let restarted: string[];
  if (pipeline !== undefined) {
    const job = build.jobs.find((j) => j.name === pipeline);
    if (!job) {
      const names = [...new Set(build.jobs.map((j) => j.name))];
      return refused(
        names.length === 0
          ? `${link} has no pipelines to retry.`
          : `${link} has no pipeline \`${pipeline}\`; its pipelines are ${nameList(names)}.`,
      );
    }
    restarted = [pipeline];
  } else {
    restarted = [...new Set(build.jobs.filter((j) => isFailed(j.status)).map((j) => j.name))];
    if (restarted.length === 0) {
      if (build.jobs.length === 0 && isFailed(build.status)) {
        return refused(
          `${link} could not start${build.error ? `: ${build.error}` : ''}. Push a fix, or start a new build with \`/hangar run\`.`,
        );
      }
      if (isUnfinished(build.status)) {
        return refused(`${link} is still running and none of its pipelines has failed yet.`);
      }
      return refused(
        `no pipeline of ${link} failed; name one (\`/hangar retry PIPELINE\`) or start a new build with \`/hangar run\`.`,
      );
    }
  }
  const next = await deps.builds.restartBuild({
    repo: ref,
    number: build.number,
    failedOnly: pipeline === undefined,
    pipeline: pipeline ?? '',
    params: {},
  });
  await deps.statuses.publishBuild(next, repo);
  return ok(`restarted ${nameList(restarted)} of ${link} as ${buildLink(deps, repo, next.number)}.`);
}

export const retryCommand: CommandSpec = {
  name: 'retry',
  usage: 'retry [PIPELINE]',
  summary: "runs the failed pipelines of the merge request's latest build again (or only PIPELINE)",
  maxArgs: 1,
  needsDeveloper: true,
  run: retry,
};
