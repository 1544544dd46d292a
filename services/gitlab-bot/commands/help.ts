/** `/hangar help`: what the bot understands. */
import type { CommandSpec } from './deps.js';
import { ok } from './deps.js';

/** The help text, listing `specs` (passed in, so the list is the dispatcher's own). */
export function helpText(specs: readonly CommandSpec[], prefix: string): string {
  const rows = specs.map((s) => `| \`/${prefix} ${s.usage}\` | ${s.summary} |`);
  return [
    'Commands are comments on the merge request, one per line, at the start of the line:',
    '',
    '| Command | What it does |',
    '| --- | --- |',
    ...rows,
    '',
    'Every command but help needs the Developer role (or higher) on the project.',
  ].join('\n');
}

export function helpCommand(specs: () => readonly CommandSpec[]): CommandSpec {
  return {
    name: 'help',
    usage: 'help',
    summary: 'shows this list',
    maxArgs: Number.POSITIVE_INFINITY,
    needsDeveloper: false,
    run: async (call) => ok(helpText(specs(), call.deps.commandPrefix ?? 'hangar')),
  };
}
