/**
 * `/hangar run`: a new build of the merge request's head commit, with the
 * pipeline file read at that commit. A Developer asking for it also lets a
 * build from a fork run, as `/hangar approve` would.
 */
import { mergeRequestStatusPlace } from '../statuses/publisher.js';
import { firstLine } from '../webhooks/payloads.js';
import { releaseHeldBuild, submitBuild } from '../webhooks/submit-build.js';
import { buildLink, type CommandCall, type CommandResult, type CommandSpec, ok, refused } from './deps.js';

async function run({ deps, repo, mr, author, log }: CommandCall): Promise<CommandResult> {
  const current = await deps.gitlab.mergeRequest(repo.projectId, mr.iid);
  const sha = current.sha;
  if (!sha) return refused('the merge request has no commits to build.');
  const held = (await deps.store.heldBuilds.waiting(repo.projectId, mr.iid)).find((h) => h.sha === sha);
  if (held) {
    const build = await releaseHeldBuild(deps, held, author.username);
    if (build) return ok(`started ${buildLink(deps, repo, build.number)} of ${sha.slice(0, 8)}.`);
  }
  const fork = current.sourceProjectId !== current.targetProjectId;
  const place = mergeRequestStatusPlace({
    targetProjectId: repo.projectId,
    sourceProjectId: current.sourceProjectId,
    iid: mr.iid,
    sourceBranch: current.sourceBranch,
  });
  // The target project holds the head under the merge request's ref, also when it comes from a fork.
  const commit = await deps.gitlab.commit(repo.projectId, sha);
  const message = commit?.message ?? mr.head?.message ?? '';
  const result = await submitBuild(
    { deps, repo, log },
    {
      event: 'pull_request',
      ref: `refs/merge-requests/${mr.iid}/head`,
      branch: current.targetBranch,
      sha,
      message,
      title: current.title || firstLine(message),
      author: author.username,
      authorEmail: commit?.authorEmail ?? mr.head?.authorEmail ?? '',
      sender: author.username,
      sourceBranch: current.sourceBranch,
      targetBranch: current.targetBranch,
      mergeRequestIid: mr.iid,
      fork,
      link: current.webUrl,
      params: {},
    },
    { statusProjectId: place.projectId, statusRef: place.ref },
  );
  if (result.kind === 'no-file') {
    return refused(
      `there is no \`${result.path}\` at ${sha.slice(0, 8)}, so there is nothing to build; add the file or change the repository's pipeline file path.`,
    );
  }
  if (result.kind === 'held') return ok(`the build of ${sha.slice(0, 8)} waits for \`/hangar approve\`.`);
  return ok(`started ${buildLink(deps, repo, result.build.number)} of ${sha.slice(0, 8)}.`);
}

export const runCommand: CommandSpec = {
  name: 'run',
  usage: 'run',
  summary: "starts a new build of the merge request's head commit",
  maxArgs: 0,
  needsDeveloper: true,
  run,
};
