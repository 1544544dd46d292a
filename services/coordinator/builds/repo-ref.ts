/** Finds the repository a BuildService request names. */
import { status } from '@grpc/grpc-js';
import type { RepoRef__Output } from '../../../proto/generated/hangar/v1/RepoRef.js';
import { StatusError } from '../../shared/grpc/status.js';
import type { Build, Repo, Store } from '../store/index.js';

export async function findRepo(store: Store, ref: RepoRef__Output | null | undefined): Promise<Repo> {
  if (ref?.projectId !== undefined && ref.projectId > 0) {
    const repo = await store.repos.byProjectId(ref.projectId);
    if (repo !== undefined) return repo;
    throw new StatusError(
      status.NOT_FOUND,
      `GitLab project ${ref.projectId} is not registered with Hangar; activate the repository first`,
    );
  }
  const slug = ref?.slug?.trim() ?? '';
  if (slug !== '') {
    const repo = await store.repos.bySlug(slug);
    if (repo !== undefined) return repo;
    throw new StatusError(
      status.NOT_FOUND,
      `repository ${slug} is not registered with Hangar; activate it first or check the path`,
    );
  }
  throw new StatusError(
    status.INVALID_ARGUMENT,
    'the request names no repository; set repo.project_id or repo.slug',
  );
}

export async function findBuild(store: Store, repo: Repo, number: number): Promise<Build> {
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new StatusError(status.INVALID_ARGUMENT, `build number must be 1 or more, not ${number}`);
  }
  const build = await store.builds.byNumber(repo.id, number);
  if (build === undefined) {
    throw new StatusError(status.NOT_FOUND, `repository ${repo.slug} has no build ${number}`);
  }
  return build;
}
