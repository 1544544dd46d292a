import { mergeRequest, note } from '../entities.js';
import { resolveCommit } from '../git-repo.js';
import {
  ApiError,
  type Ctx,
  findProject,
  forbidden,
  ok,
  paginate,
  pathInt,
  recordNotFound,
  requireRead,
  requireStr,
  str,
} from '../http-kit.js';
import { type Route, route } from '../router.js';
import type { DoubleState, MergeRequest, Note } from '../state.js';

/** GitLab's limit on a note's length. */
export const NOTE_MAX_CHARS = 1_000_000;

/** The head commit of a merge request's source branch, as GitLab reports it in `sha`. */
export async function headSha(state: DoubleState, mr: MergeRequest): Promise<string | null> {
  const source = state.projectById(mr.sourceProjectId);
  return source ? resolveCommit(source.repoDir, `refs/heads/${mr.sourceBranch}`) : null;
}

/** The merge request named by the path, on a project the caller may read. */
export function findMergeRequest(ctx: Ctx): MergeRequest {
  const project = findProject(ctx);
  requireRead(ctx, project);
  const mr = ctx.state.mergeRequest(project.id, pathInt(ctx, 'merge_request_iid'));
  if (!mr) throw recordNotFound();
  return mr;
}

export function findNote(ctx: Ctx, mr: MergeRequest): Note {
  const n = mr.notes.find((x) => x.id === pathInt(ctx, 'note_id'));
  if (!n) throw recordNotFound();
  return n;
}

function noteBody(ctx: Ctx): string {
  const body = requireStr(ctx, 'body');
  if (Array.from(body).length > NOTE_MAX_CHARS) {
    throw new ApiError(400, {
      message: `Note {:note=>["is too long (maximum is ${NOTE_MAX_CHARS} characters)"]}`,
    });
  }
  return body;
}

const MR = '/projects/:id/merge_requests/:merge_request_iid';

export const mergeRequestRoutes: Route[] = [
  route('merge_requests.show', 'GET', MR, 'read', async (ctx) => {
    const mr = findMergeRequest(ctx);
    return ok(mergeRequest(ctx.state, mr, await headSha(ctx.state, mr)));
  }),

  route('notes.list', 'GET', `${MR}/notes`, 'read', (ctx) => {
    const mr = findMergeRequest(ctx);
    const by = str(ctx, 'order_by') === 'updated_at' ? 'updatedAt' : 'createdAt';
    const asc = str(ctx, 'sort') === 'asc';
    const notes = [...mr.notes].sort((a, b) => {
      const d = a[by].localeCompare(b[by]) || a.id - b.id;
      return asc ? d : -d;
    });
    return paginate(ctx, notes, (n) => note(ctx.state, mr, n));
  }),

  route('notes.show', 'GET', `${MR}/notes/:note_id`, 'read', (ctx) => {
    const mr = findMergeRequest(ctx);
    return ok(note(ctx.state, mr, findNote(ctx, mr)));
  }),

  route('notes.create', 'POST', `${MR}/notes`, 'write', (ctx) => {
    const mr = findMergeRequest(ctx);
    const now = ctx.state.now();
    const created: Note = {
      id: ctx.state.nextId('note'),
      body: noteBody(ctx),
      authorId: ctx.user.id,
      system: false,
      mergeRequestId: mr.id,
      createdAt: now,
      updatedAt: now,
      awards: [],
    };
    mr.notes.push(created);
    return ok(note(ctx.state, mr, created), 201);
  }),

  // Only a note's author may edit it (GitLab's :admin_note ability).
  route('notes.edit', 'PUT', `${MR}/notes/:note_id`, 'write', (ctx) => {
    const mr = findMergeRequest(ctx);
    const existing = findNote(ctx, mr);
    if (existing.authorId !== ctx.user.id || existing.system) throw forbidden();
    existing.body = noteBody(ctx);
    existing.updatedAt = ctx.state.now();
    return ok(note(ctx.state, mr, existing));
  }),
];
