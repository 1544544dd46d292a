/**
 * Comment commands: a Note Hook on an open merge request becomes the
 * commands written in it. The author needs the Developer role on the
 * project; the bot acknowledges with an award emoji on the comment and
 * answers with one reply note saying what happened.
 */
import { HangarError } from '../../shared/errors.js';
import { type Logger, silentLogger } from '../../shared/log.js';
import { AccessLevel, accessLevelName } from '../gitlab/api.js';
import { approveCommand } from './approve.js';
import { cancelCommand } from './cancel.js';
import type { CommandCall, CommandDeps, CommandResult, CommandSpec } from './deps.js';
import { refused } from './deps.js';
import { helpCommand, helpText } from './help.js';
import { noteMergeRequest, notePayloadSchema } from './note-payload.js';
import { type ParsedCommand, parseCommands } from './parse.js';
import { retryCommand } from './retry.js';
import { runCommand } from './run.js';

export type { CommandDeps } from './deps.js';

/** Award emoji: on receipt, when every command went through, when one did not. */
export const EMOJI = { received: 'eyes', done: 'thumbsup', failed: 'confused' } as const;

export const COMMANDS: readonly CommandSpec[] = [
  retryCommand,
  cancelCommand,
  runCommand,
  approveCommand,
  helpCommand(() => COMMANDS),
];

export type NoteOutcome =
  | { handled: false; reason: string }
  | { handled: true; commands: string[]; results: CommandResult[] };

const ignored = (reason: string): NoteOutcome => ({ handled: false, reason });

const botIds = new WeakMap<CommandDeps, Promise<number>>();

function botUserId(deps: CommandDeps): Promise<number> {
  if (deps.botUserId !== undefined) return Promise.resolve(deps.botUserId);
  let id = botIds.get(deps);
  if (!id) {
    id = deps.gitlab.currentUser().then((u) => u.id);
    id.catch(() => botIds.delete(deps));
    botIds.set(deps, id);
  }
  return id;
}

function written(cmd: ParsedCommand, prefix: string): string {
  return `/${prefix}${cmd.name ? ` ${cmd.name}` : ''}${cmd.args.length ? ` ${cmd.args.join(' ')}` : ''}`;
}

async function runOne(spec: CommandSpec, call: CommandCall, log: Logger): Promise<CommandResult> {
  try {
    return await spec.run(call);
  } catch (err) {
    if (err instanceof HangarError) {
      log.warn({ err, command: spec.name }, 'comment command failed');
      return refused(`failed: ${err.message}`);
    }
    log.error({ err, command: spec.name }, 'comment command failed');
    return refused('failed because of an internal error; the Hangar log has the details.');
  }
}

function replyBody(username: string, lines: { command: string; result: CommandResult }[]): string {
  const entry = (l: { command: string; result: CommandResult }) =>
    l.result.text.includes('\n')
      ? `\`${l.command}\`:\n\n${l.result.text}`
      : `\`${l.command}\`: ${l.result.text}`;
  if (lines.length === 1 && lines[0]) return `@${username} ${entry(lines[0])}`;
  return [`@${username}`, '', ...lines.map((l) => `- ${entry(l).replace(/\n/g, '\n  ')}`)].join('\n');
}

/**
 * Runs the commands of a Note Hook. Notes that are not commands (edits,
 * system notes, the bot's own, closed merge requests, plain comments) are
 * ignored. Throws only before any command ran (GitLab unreachable for the
 * permission check), so a retried delivery does not run commands twice.
 */
export async function handleNote(
  payload: unknown,
  deps: CommandDeps,
  log: Logger = silentLogger,
): Promise<NoteOutcome> {
  const parsed = notePayloadSchema.safeParse(payload);
  if (!parsed.success) return ignored('not a merge-request comment Hangar can read');
  const p = parsed.data;
  const note = p.object_attributes;
  if (note.noteable_type !== 'MergeRequest') return ignored('not a merge-request comment');
  if (note.action && note.action !== 'create') return ignored(`comment ${note.action}d, not written`);
  if (note.system) return ignored('system note');
  if (p.merge_request.state !== 'opened') return ignored(`merge request is ${p.merge_request.state}`);
  const prefix = deps.commandPrefix ?? 'hangar';
  const commands = parseCommands(note.note, prefix);
  if (commands.length === 0) return ignored('no command');
  if (note.author_id === (await botUserId(deps))) return ignored("the bot's own note");

  const projectId = p.project.id ?? p.project_id ?? p.merge_request.target_project_id;
  const repo = await deps.store.repos.byProjectId(projectId);
  if (!repo?.active) return ignored('repository not switched on');
  const mr = noteMergeRequest(p, projectId);
  const author = { id: note.author_id, username: p.user.username };
  const noteLog = log.child({ mr: mr.iid, note: note.id, author: author.username });

  const award = async (name: string) => {
    try {
      await deps.gitlab.awardNoteEmoji(projectId, mr.iid, note.id, name);
    } catch (err) {
      noteLog.warn({ err, emoji: name }, 'award emoji failed');
    }
  };
  await award(EMOJI.received);

  const specs = commands.map((c) => COMMANDS.find((s) => s.name === (c.name === '' ? 'help' : c.name)));
  let level: number | undefined;
  if (specs.some((s) => s?.needsDeveloper)) {
    level = (await deps.gitlab.memberAccessLevel(projectId, author.id)) ?? 0;
  }

  const lines: { command: string; result: CommandResult }[] = [];
  for (const [i, cmd] of commands.entries()) {
    const spec = specs[i];
    const command = written(cmd, prefix);
    let result: CommandResult;
    if (!spec) {
      result = refused(`Hangar does not know \`${cmd.name}\`.\n\n${helpText(COMMANDS, prefix)}`);
    } else if (spec.needsDeveloper && (level ?? 0) < AccessLevel.developer) {
      result = refused(
        `needs the Developer role or higher on ${repo.slug}; you have ${level ? accessLevelName(level) : 'no role'}. Nothing was done.`,
      );
    } else if (cmd.args.length > spec.maxArgs) {
      result = refused(
        spec.maxArgs === 0
          ? `takes no arguments; write \`/${prefix} ${spec.usage}\`.`
          : `takes at most ${spec.maxArgs} argument; write \`/${prefix} ${spec.usage}\`.`,
      );
    } else {
      noteLog.info({ command: spec.name, args: cmd.args }, 'comment command');
      result = await runOne(spec, { deps, repo, mr, author, args: cmd.args, log: noteLog }, noteLog);
    }
    lines.push({ command, result });
  }

  try {
    await deps.gitlab.createMergeRequestNote(projectId, mr.iid, replyBody(author.username, lines));
  } catch (err) {
    noteLog.error({ err }, 'reply to comment command failed');
  }
  await award(lines.every((l) => l.result.ok) ? EMOJI.done : EMOJI.failed);
  return { handled: true, commands: lines.map((l) => l.command), results: lines.map((l) => l.result) };
}

/** `handleNote` in the shape the webhook handlers call (`WebhookDeps.onNote`). */
export function noteHandler(deps: CommandDeps): (payload: unknown, log: Logger) => Promise<void> {
  return async (payload, log) => {
    const outcome = await handleNote(payload, deps, log);
    if (!outcome.handled) log.debug({ reason: outcome.reason }, 'note ignored');
  };
}
