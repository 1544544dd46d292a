/**
 * Keeps a repository's stored visibility current from the deliveries GitLab
 * sends: every Push, Tag Push, Merge Request and Note Hook carries the
 * project's `visibility_level` (0 private, 10 internal, 20 public), so a
 * project made public or private in GitLab is known by its next event, before
 * the build it starts decides whether to clone with credentials.
 */
import type { Repo, Store, Visibility } from '../../coordinator/store/index.js';
import type { Logger } from '../../shared/log.js';
import { projectIdOf } from './payloads.js';

const LEVELS: ReadonlyMap<number, Visibility> = new Map([
  [0, 'private'],
  [10, 'internal'],
  [20, 'public'],
]);

/** The visibility a webhook body states for its project, when it states one Hangar knows. */
export function payloadVisibility(body: unknown): Visibility | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const level = (body as { project?: { visibility_level?: unknown } }).project?.visibility_level;
  return typeof level === 'number' ? LEVELS.get(level) : undefined;
}

/** Stores the visibility the delivery states when it differs; returns the repository as it is now. */
export async function keepVisibilityCurrent(
  store: Pick<Store, 'repos'>,
  repo: Repo,
  body: unknown,
  log: Logger,
): Promise<Repo> {
  if (projectIdOf(body) !== repo.projectId) return repo;
  const visibility = payloadVisibility(body);
  if (visibility === undefined || visibility === repo.visibility) return repo;
  const updated = await store.repos.update(repo.id, { visibility });
  log.info(
    { repo: repo.slug, from: repo.visibility, to: visibility },
    'project visibility changed in GitLab',
  );
  return updated;
}
