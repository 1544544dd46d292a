import { commitStatus } from '../entities.js';
import { branchesContaining, resolveCommit } from '../git-repo.js';
import {
  ApiError,
  badRequest,
  bool,
  type Ctx,
  findProject,
  int,
  notFound,
  ok,
  paginate,
  requireLevel,
  requireRead,
  str,
} from '../http-kit.js';
import { type Route, route } from '../router.js';
import type { CommitStatus, Pipeline, Project } from '../state.js';
import { isFinished, isOpen, POSTABLE_STATES, type PostedState, transition } from '../status-machine.js';

const DEVELOPER = 30;
const MAX_CHARS = 255;

export const commitStatusRoutes: Route[] = [
  route('statuses.create', 'POST', '/projects/:id/statuses/:sha', 'write', async (ctx) => {
    const project = findProject(ctx);
    requireLevel(ctx, project, DEVELOPER);
    const state = str(ctx, 'state');
    if (state === undefined || state === '') throw badRequest('State is required');
    if (!(POSTABLE_STATES as readonly string[]).includes(state)) {
      throw new ApiError(400, { error: 'state does not have a valid value' });
    }
    const sha = await resolveCommit(project.repoDir, ctx.params.sha ?? '');
    if (!sha) throw notFound('Commit');
    const pipelineId = int(ctx, 'pipeline_id');
    const pipeline = await pipelineFor(ctx, project, sha, pipelineId);
    const name = str(ctx, 'name') || str(ctx, 'context') || 'default';
    const targetUrl = str(ctx, 'target_url');
    const description = str(ctx, 'description');
    const coverage = ctx.input.coverage === undefined ? undefined : Number(ctx.input.coverage);
    validate(targetUrl, description);

    const open = ctx.state.statuses.find(
      (s) =>
        s.pipelineId === pipeline.id &&
        s.name === name &&
        s.ref === pipeline.ref &&
        s.userId === ctx.user.id &&
        isOpen(s.status),
    );
    const result = transition(open?.status ?? 'created', state as PostedState);
    if (!result.ok) throw badRequest(result.message);

    const now = ctx.state.now();
    const status: CommitStatus = open ?? {
      id: ctx.state.nextId('status'),
      projectId: project.id,
      pipelineId: pipeline.id,
      sha,
      ref: pipeline.ref,
      name,
      status: 'created',
      targetUrl: null,
      description: null,
      coverage: null,
      userId: ctx.user.id,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
    };
    if (targetUrl !== undefined) status.targetUrl = targetUrl;
    if (description !== undefined) status.description = description;
    if (coverage !== undefined && Number.isFinite(coverage)) status.coverage = coverage;
    if (result.to === 'running' && status.startedAt === null) status.startedAt = now;
    if (isFinished(result.to)) status.finishedAt = now;
    status.status = result.to;
    if (!open) ctx.state.statuses.push(status);
    return ok(commitStatus(ctx.state, status), 201);
  }),

  route('statuses.list', 'GET', '/projects/:id/repository/commits/:sha/statuses', 'read', async (ctx) => {
    const project = findProject(ctx);
    requireRead(ctx, project);
    const sha = await resolveCommit(project.repoDir, ctx.params.sha ?? '');
    if (!sha) throw notFound('Commit');
    const ref = str(ctx, 'ref');
    const name = str(ctx, 'name');
    const pipelineId = int(ctx, 'pipeline_id');
    let statuses = ctx.state.statuses.filter((s) => s.projectId === project.id && s.sha === sha);
    if (!bool(ctx, 'all', false)) statuses = latestPerName(statuses);
    if (ref) statuses = statuses.filter((s) => s.ref === ref);
    if (name) statuses = statuses.filter((s) => s.name === name);
    if (pipelineId !== undefined) statuses = statuses.filter((s) => s.pipelineId === pipelineId);
    const desc = str(ctx, 'sort') === 'desc';
    statuses.sort((a, b) => (desc ? b.id - a.id : a.id - b.id));
    return paginate(ctx, statuses, (s) => commitStatus(ctx.state, s));
  }),
];

/**
 * The pipeline a status goes to: the one named by pipeline_id, else the newest
 * for the sha (and ref, when given), else a new external pipeline on the ref
 * or on the first branch containing the commit.
 */
async function pipelineFor(
  ctx: Ctx,
  project: Project,
  sha: string,
  pipelineId: number | undefined,
): Promise<Pipeline> {
  const wantRef = str(ctx, 'ref') || undefined;
  const candidates = ctx.state.pipelines
    .filter(
      (p) => p.projectId === project.id && p.sha === sha && (wantRef === undefined || p.ref === wantRef),
    )
    .sort((a, b) => b.id - a.id);
  if (pipelineId !== undefined) {
    const chosen = candidates.find((p) => p.id === pipelineId);
    if (!chosen) throw notFound('Pipeline for pipeline_id, sha and ref');
    return chosen;
  }
  const newest = candidates[0];
  if (newest) return newest;
  const ref = wantRef ?? (await branchesContaining(project.repoDir, sha))[0];
  if (!ref) throw notFound('References for commit');
  if (ref.length > MAX_CHARS) throw badRequest({ ref: [`is too long (maximum is ${MAX_CHARS} characters)`] });
  const pipeline = {
    id: ctx.state.nextId('pipeline'),
    projectId: project.id,
    sha,
    ref,
    createdAt: ctx.state.now(),
  };
  ctx.state.pipelines.push(pipeline);
  return pipeline;
}

function validate(targetUrl: string | undefined, description: string | undefined): void {
  const errors: Record<string, string[]> = {};
  if (targetUrl !== undefined && targetUrl !== '') {
    let scheme = '';
    try {
      scheme = new URL(targetUrl).protocol;
    } catch {
      scheme = '';
    }
    if (scheme !== 'http:' && scheme !== 'https:') {
      errors.target_url = ['is blocked: Only allowed schemes are http, https'];
    } else if (Array.from(targetUrl).length > MAX_CHARS) {
      errors.target_url = [`is too long (maximum is ${MAX_CHARS} characters)`];
    }
  }
  if (description !== undefined && Array.from(description).length > MAX_CHARS) {
    errors.description = [`is too long (maximum is ${MAX_CHARS} characters)`];
  }
  if (Object.keys(errors).length > 0) throw badRequest(errors);
}

/** GitLab lists only the newest status of each name per pipeline unless `all` is set. */
function latestPerName(statuses: CommitStatus[]): CommitStatus[] {
  const newest = new Map<string, CommitStatus>();
  for (const s of statuses) {
    const key = `${s.pipelineId}\0${s.name}`;
    const cur = newest.get(key);
    if (!cur || s.id > cur.id) newest.set(key, s);
  }
  return [...newest.values()];
}
