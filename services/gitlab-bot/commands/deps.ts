import type { Repo } from '../../coordinator/store/index.js';
import type { Logger } from '../../shared/log.js';
import type { WebhookDeps } from '../webhooks/deps.js';
import type { NoteMergeRequest } from './note-payload.js';

/** What comment commands work with: the webhook handlers' parts, plus who the bot is. */
export interface CommandDeps extends WebhookDeps {
  /** The bot's GitLab user id: its own notes are never commands. Looked up once when absent. */
  botUserId?: number;
  /** The word after the slash; default 'hangar'. */
  commandPrefix?: string;
}

/** One command being run for one comment. */
export interface CommandCall {
  deps: CommandDeps;
  repo: Repo;
  mr: NoteMergeRequest;
  author: { id: number; username: string };
  args: string[];
  log: Logger;
}

export interface CommandResult {
  ok: boolean;
  /** One or two sentences for the reply note (Markdown). */
  text: string;
}

export interface CommandSpec {
  name: string;
  /** How to write it, e.g. 'retry [PIPELINE]'. */
  usage: string;
  summary: string;
  maxArgs: number;
  /** Whether the author needs the Developer role (every command but help). */
  needsDeveloper: boolean;
  run(call: CommandCall): Promise<CommandResult>;
}

export const ok = (text: string): CommandResult => ({ ok: true, text });
export const refused = (text: string): CommandResult => ({ ok: false, text });

/** Where a person sees a build. */
export function buildUrl(deps: CommandDeps, repo: Repo, number: number): string {
  return `${deps.cfg.publicUrl}/${repo.slug}/${number}`;
}

export function buildLink(deps: CommandDeps, repo: Repo, number: number): string {
  return `[build #${number}](${buildUrl(deps, repo, number)})`;
}
