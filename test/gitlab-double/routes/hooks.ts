import { randomUUID } from 'node:crypto';
import { hook } from '../entities.js';
import {
  ApiError,
  bool,
  findProject,
  ok,
  paginate,
  pathInt,
  recordNotFound,
  requireLevel,
  requireStr,
  str,
} from '../http-kit.js';
import { type Route, route } from '../router.js';

const MAINTAINER = 40;

export const hookRoutes: Route[] = [
  route('hooks.list', 'GET', '/projects/:id/hooks', 'read', (ctx) => {
    const project = findProject(ctx);
    requireLevel(ctx, project, MAINTAINER);
    return paginate(ctx, project.hooks, hook);
  }),

  route('hooks.show', 'GET', '/projects/:id/hooks/:hook_id', 'read', (ctx) => {
    const project = findProject(ctx);
    requireLevel(ctx, project, MAINTAINER);
    const found = project.hooks.find((h) => h.id === pathInt(ctx, 'hook_id'));
    if (!found) throw recordNotFound();
    return ok(hook(found));
  }),

  route('hooks.create', 'POST', '/projects/:id/hooks', 'write', (ctx) => {
    const project = findProject(ctx);
    requireLevel(ctx, project, MAINTAINER);
    const url = requireStr(ctx, 'url');
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new ApiError(422, { error: 'Invalid url given' });
    }
    const created = {
      id: ctx.state.nextId('hook'),
      uuid: randomUUID(),
      projectId: project.id,
      url,
      token: str(ctx, 'token') ?? null,
      pushEvents: bool(ctx, 'push_events', true),
      tagPushEvents: bool(ctx, 'tag_push_events', false),
      mergeRequestsEvents: bool(ctx, 'merge_requests_events', false),
      noteEvents: bool(ctx, 'note_events', false),
      enableSslVerification: bool(ctx, 'enable_ssl_verification', true),
      createdAt: ctx.state.now(),
    };
    project.hooks.push(created);
    return ok(hook(created), 201);
  }),

  route('hooks.delete', 'DELETE', '/projects/:id/hooks/:hook_id', 'write', (ctx) => {
    const project = findProject(ctx);
    requireLevel(ctx, project, MAINTAINER);
    const id = pathInt(ctx, 'hook_id');
    const i = project.hooks.findIndex((h) => h.id === id);
    if (i < 0) throw recordNotFound();
    project.hooks.splice(i, 1);
    return { status: 204 };
  }),
];
