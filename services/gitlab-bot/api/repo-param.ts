import type { Context } from 'koa';
import type { Store } from '../../coordinator/store/index.js';
import type { Repo } from '../../coordinator/store/types.js';
import { HttpError } from './http-error.js';

/**
 * The repository named by a path parameter: its GitLab project id, or its
 * path ('group/sub/app', URL-encoded as one segment: group%2Fsub%2Fapp).
 */
export function repoRef(ctx: Context & { params: Record<string, string | undefined> }): string {
  const raw = (ctx.params.repo ?? '').trim();
  if (raw === '')
    throw new HttpError(400, 'name the repository by its path (group/app) or GitLab project id');
  return raw;
}

export async function findRepo(store: Store, ref: string): Promise<Repo> {
  const repo = /^\d+$/.test(ref) ? await store.repos.byProjectId(Number(ref)) : await store.repos.bySlug(ref);
  if (!repo) {
    throw new HttpError(
      404,
      `repository ${ref} is not registered with Hangar; switch it on with: hangar repo enable ${ref}`,
    );
  }
  return repo;
}
