import type { IncomingMessage } from 'node:http';
import type { DoubleState, Project, Token, User } from './state.js';

/** What a route handler gets: the parsed request and the double's state. */
export interface Ctx {
  state: DoubleState;
  method: string;
  url: URL;
  /** Decoded path parameters (`:id` may hold a URL-encoded project path). */
  params: Record<string, string>;
  /** Query and body parameters merged, as GitLab's API (Grape) does. */
  input: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  /** Set by authentication. */
  user: User;
  token: Token;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A refusal with GitLab's status and body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${JSON.stringify(body)}`);
  }
}

/** GitLab's `not_found!(what)`: {"message":"404 <what> Not Found"}. */
export const notFound = (what: string) => new ApiError(404, { message: `404 ${what} Not Found` });
/** ActiveRecord's RecordNotFound as GitLab's API renders it. */
export const recordNotFound = () => new ApiError(404, { message: '404 Not found' });
export const forbidden = () => new ApiError(403, { message: '403 Forbidden' });
export const badRequest = (message: unknown) => new ApiError(400, { message });
/** Grape's answer when a required parameter is absent. */
export const missing = (name: string) => new ApiError(400, { error: `${name} is missing` });

export const ok = (body: unknown, status = 200): Reply => ({ status, body });

export function str(ctx: Ctx, name: string): string | undefined {
  const v = ctx.input[name];
  if (v === undefined || v === null) return undefined;
  return String(v);
}

export function requireStr(ctx: Ctx, name: string): string {
  const v = str(ctx, name);
  if (v === undefined || v === '') throw missing(name);
  return v;
}

/** Grape's Boolean coercion. */
export function bool(ctx: Ctx, name: string, fallback: boolean): boolean {
  const v = ctx.input[name];
  if (v === undefined || v === null || v === '') return fallback;
  if (v === true || v === 'true' || v === '1' || v === 1) return true;
  if (v === false || v === 'false' || v === '0' || v === 0) return false;
  throw new ApiError(400, { error: `${name} is invalid` });
}

export function int(ctx: Ctx, name: string): number | undefined {
  const v = ctx.input[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new ApiError(400, { error: `${name} is invalid` });
  return n;
}

export function pathInt(ctx: Ctx, name: string): number {
  const n = Number(ctx.params[name]);
  if (!Number.isInteger(n)) throw new ApiError(400, { error: `${name} is invalid` });
  return n;
}

/**
 * GitLab's offset pagination: `page`, `per_page` (default 20, at most 100) and
 * the X-* and Link headers gitbeaker follows.
 */
export function paginate<T>(ctx: Ctx, items: T[], present: (item: T) => unknown): Reply {
  const perPage = Math.min(100, Math.max(1, int(ctx, 'per_page') ?? 20));
  const page = Math.max(1, int(ctx, 'page') ?? 1);
  const total = items.length;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const link = (p: number) => {
    const u = new URL(ctx.url.pathname, ctx.state.baseUrl);
    for (const [k, v] of ctx.url.searchParams) u.searchParams.set(k, v);
    u.searchParams.set('page', String(p));
    u.searchParams.set('per_page', String(perPage));
    return u.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${link(page - 1)}>; rel="prev"`);
  if (page < totalPages) links.push(`<${link(page + 1)}>; rel="next"`);
  links.push(`<${link(1)}>; rel="first"`, `<${link(totalPages)}>; rel="last"`);
  return {
    status: 200,
    body: slice.map(present),
    headers: {
      'x-page': String(page),
      'x-per-page': String(perPage),
      'x-total': String(total),
      'x-total-pages': String(totalPages),
      'x-next-page': page < totalPages ? String(page + 1) : '',
      'x-prev-page': page > 1 ? String(page - 1) : '',
      link: links.join(', '),
    },
  };
}

/** The project named by `:id` (number or URL-encoded full path) that the user may see. */
export function findProject(ctx: Ctx, param = 'id'): Project {
  const raw = ctx.params[param] ?? '';
  const project = /^\d+$/.test(raw) ? ctx.state.projectById(Number(raw)) : ctx.state.projectByPath(raw);
  if (!project || !canSee(ctx, project)) throw notFound('Project');
  return project;
}

export function canSee(ctx: Ctx, project: Project): boolean {
  if (ctx.user.admin || project.visibility !== 'private') return true;
  return ctx.state.accessLevel(project, ctx.user.id) >= 10;
}

/** The caller's role on a project; admins count as above Owner. Public and internal projects grant reading. */
export function levelOf(ctx: Ctx, project: Project): number {
  if (ctx.user.admin) return 60;
  return ctx.state.accessLevel(project, ctx.user.id);
}

export function requireLevel(ctx: Ctx, project: Project, min: number): void {
  if (levelOf(ctx, project) < min) throw forbidden();
}

/** Reading code and merge requests: Reporter on private projects, anyone on public and internal ones. */
export function requireRead(ctx: Ctx, project: Project, privateMin = 20): void {
  if (project.visibility !== 'private') return;
  requireLevel(ctx, project, privateMin);
}
