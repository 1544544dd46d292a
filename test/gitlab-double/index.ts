/**
 * The GitLab test double: one module to import.
 *
 *   const gitlab = await GitLabDouble.start();
 *   const bot = gitlab.addUser({ username: 'hangar-bot', bot: true });
 *   const token = gitlab.issueToken(bot);
 *   const project = await gitlab.createProject({ path: 'acme/app', files: { '.drone.yml': '...' } });
 *   gitlab.addMember(project, bot, Role.developer);
 *   const api = createGitLabApi({ url: gitlab.url, token });
 */
export { GitLabDouble, Role } from './double.js';
export type { Fault, FaultSpec } from './faults.js';
export { type CommitInfo, ZERO_SHA } from './git-repo.js';
export {
  fixture,
  type MergeRequestAction,
  mergeRequestPayload,
  notePayload,
  pushPayload,
  tagPushPayload,
} from './payloads.js';
export type { RecordedRequest } from './server.js';
export type { CommitStatus, MergeRequest, Note, Project, Scope, User } from './state.js';
export {
  type Delivery,
  type DeliveryIds,
  deliver,
  newDeliveryIds,
  type WebhookEvent,
  webhookHeaders,
} from './webhooks.js';
