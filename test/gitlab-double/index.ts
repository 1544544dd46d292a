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
export { type MergeRequestAction, mergeRequestPayload, notePayload } from './merge-request-payloads.js';
export { fixture } from './payload-parts.js';
export { pushPayload, tagPushPayload } from './push-payloads.js';
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
