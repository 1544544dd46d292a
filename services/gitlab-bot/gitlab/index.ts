export * from './api.js';
export { createGitLabApi, type GitLabClientOptions } from './client.js';
export * from './errors.js';
export type {
  CommitState,
  GitLabAwardEmoji,
  GitLabCommit,
  GitLabCommitStatus,
  GitLabMergeRequest,
  GitLabNote,
  GitLabProject,
  GitLabProjectHook,
  GitLabUser,
} from './schemas.js';
export { COMMIT_STATES } from './schemas.js';
