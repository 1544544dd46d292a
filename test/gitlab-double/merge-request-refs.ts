import { git, resolveCommit, setRef } from './git-repo.js';
import type { DoubleState, MergeRequest, Project } from './state.js';

/**
 * GitLab keeps each merge request's head in the target project under
 * `refs/merge-requests/<iid>/head`, fetching the commits from the fork when
 * the merge request comes from one, and moves it when the source branch
 * changes. Statuses and file reads on the target project for a fork's commit
 * work through it.
 */
export async function fetchMergeRequestRef(state: DoubleState, mr: MergeRequest): Promise<void> {
  const target = state.projectById(mr.projectId);
  const source = state.projectById(mr.sourceProjectId);
  if (!target || !source) return;
  const ref = `refs/merge-requests/${mr.iid}/head`;
  if (source === target) {
    const sha = await resolveCommit(target.repoDir, `refs/heads/${mr.sourceBranch}`);
    if (sha) await setRef(target.repoDir, ref, sha);
    return;
  }
  if (!(await resolveCommit(source.repoDir, `refs/heads/${mr.sourceBranch}`))) return;
  await git(target.repoDir, [
    'fetch',
    '--quiet',
    '--no-tags',
    source.repoDir,
    `+refs/heads/${mr.sourceBranch}:${ref}`,
  ]);
}

/** Moves the refs of the open merge requests whose source is `branch` of `project`. */
export async function refreshMergeRequestRefs(
  state: DoubleState,
  project: Project,
  branch: string,
): Promise<void> {
  for (const mr of state.mergeRequests) {
    if (mr.sourceProjectId === project.id && mr.sourceBranch === branch && mr.state === 'opened') {
      await fetchMergeRequestRef(state, mr);
    }
  }
}
