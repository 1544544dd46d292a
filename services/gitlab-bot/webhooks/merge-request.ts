/**
 * Merge Request Hook: opening or reopening builds the merge request's head;
 * an update with new commits (`oldrev`) builds again; an update of title or
 * labels does nothing; closing or merging cancels the merge request's
 * unfinished builds and drops held ones.
 */
import { mergeRequestStatusPlace } from '../statuses/publisher.js';
import type { HookContext } from './deps.js';
import { firstLine, mergeRequestSchema, skipsCi } from './payloads.js';
import { submitBuild } from './submit-build.js';

const UNFINISHED = new Set(['PENDING', 'QUEUED', 'RUNNING', 'BLOCKED']);

export async function handleMergeRequest(hc: HookContext, body: unknown): Promise<string> {
  const p = mergeRequestSchema.parse(body);
  const mr = p.object_attributes;
  const action = mr.action ?? '';
  if (action === 'close' || action === 'merge') return cancelBuilds(hc, mr.iid, action);
  const wantsBuild =
    action === 'open' || action === 'reopen' || (action === 'update' && mr.oldrev !== undefined);
  if (!wantsBuild) return `action '${action || 'none'}' needs no build`;
  if (mr.last_commit === undefined) return 'the merge request has no commit; nothing to build';
  const sha = mr.last_commit.id;
  const message = mr.last_commit.message;
  if (skipsCi(message)) return 'the commit message asks to skip CI';
  const fork = mr.source_project_id !== mr.target_project_id;
  const place = mergeRequestStatusPlace({
    targetProjectId: hc.repo.projectId,
    sourceProjectId: mr.source_project_id,
    iid: mr.iid,
    sourceBranch: mr.source_branch,
  });
  // Newer commits supersede what still waits for approval.
  await hc.deps.store.heldBuilds.drop(hc.repo.projectId, mr.iid, sha);
  const result = await submitBuild(
    hc,
    {
      event: 'pull_request',
      ref: `refs/merge-requests/${mr.iid}/head`,
      branch: mr.target_branch,
      sha,
      beforeSha: mr.oldrev ?? '',
      message,
      title: mr.title || firstLine(message),
      author: p.user.username,
      authorEmail: mr.last_commit.author?.email ?? p.user.email ?? '',
      authorAvatar: p.user.avatar_url ?? '',
      sender: p.user.username,
      sourceBranch: mr.source_branch,
      targetBranch: mr.target_branch,
      mergeRequestIid: mr.iid,
      fork,
      link: mr.url,
    },
    {
      statusProjectId: place.projectId,
      statusRef: place.ref,
      ...(fork ? { hold: { sourceProjectId: mr.source_project_id, mrIid: mr.iid } } : {}),
    },
  );
  return result.kind === 'created' ? `build ${result.build.number}` : result.kind;
}

async function cancelBuilds(hc: HookContext, iid: number, action: string): Promise<string> {
  const { deps, repo, log } = hc;
  const dropped = await deps.store.heldBuilds.drop(repo.projectId, iid);
  const builds = await deps.builds.listBuilds({ repo: { projectId: repo.projectId }, limit: 100 });
  const open = builds.filter((b) => b.mergeRequestIid === iid && UNFINISHED.has(b.status));
  for (const b of open) {
    await deps.builds.cancelBuild({ repo: { projectId: repo.projectId }, number: b.number });
    log.info({ build: b.number, mr: iid }, `merge request ${action}d; build cancelled`);
  }
  return `cancelled ${open.length} build(s), dropped ${dropped.length} held`;
}
