import type { Route } from '../router.js';
import { awardEmojiRoutes } from './award-emoji.js';
import { commitStatusRoutes } from './commit-statuses.js';
import { commitRoutes } from './commits.js';
import { hookRoutes } from './hooks.js';
import { memberRoutes } from './members.js';
import { mergeRequestRoutes } from './merge-requests.js';
import { projectRoutes } from './projects.js';
import { repositoryFileRoutes } from './repository-files.js';
import { userRoutes } from './users.js';

/** Every API route the double serves below /api/v4. */
export const apiRoutes: readonly Route[] = [
  ...userRoutes,
  ...projectRoutes,
  ...repositoryFileRoutes,
  ...commitRoutes,
  ...commitStatusRoutes,
  ...mergeRequestRoutes,
  ...awardEmojiRoutes,
  ...memberRoutes,
  ...hookRoutes,
];
