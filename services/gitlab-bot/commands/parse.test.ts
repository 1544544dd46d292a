import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_COMMANDS_PER_NOTE, parseCommands } from './parse.js';

const names = (body: string) => parseCommands(body).map((c) => [c.name, ...c.args].join(' '));

describe('parseCommands', () => {
  it.each([
    ['/hangar retry', ['retry']],
    ['/hangar retry test', ['retry test']],
    ['/hangar   retry    test  ', ['retry test']],
    ['/hangar\tretry', ['retry']],
    ['/HANGAR Retry Lint', ['retry Lint']],
    ['/hangar', ['']],
    ['   /hangar cancel', ['cancel']],
    ['/hangar run\r\n/hangar help', ['run', 'help']],
    ['/hangar run\r/hangar help', ['run', 'help']],
    ['LGTM, thanks!\n\n/hangar approve\n\nCheers', ['approve']],
    ['/hangar retry\n/hangar retry', ['retry']],
    ['/hangar retry a\n/hangar retry b', ['retry a', 'retry b']],
    ['/hangar foo bar', ['foo bar']],
  ])('finds the commands in %j', (body, expected) => {
    expect(names(body)).toEqual(expected);
  });

  it.each([
    ['text before /hangar retry', 'not at the start of the line'],
    ['    /hangar retry', 'indented code'],
    ['\t/hangar retry', 'indented code (tab)'],
    ['`/hangar retry`', 'inline code'],
    ['- /hangar retry', 'list item'],
    ['> /hangar retry', 'quote'],
    ['>/hangar retry', 'quote without space'],
    ['> > /hangar retry', 'nested quote'],
    ['   > /hangar retry', 'indented quote'],
    ['```\n/hangar retry\n```', 'fenced code'],
    ['~~~\n/hangar retry\n~~~', 'tilde fence'],
    ['```sh\n/hangar retry\n```', 'fence with info string'],
    ['````\n```\n/hangar retry\n````', 'a shorter fence does not close a longer one'],
    ['```\n/hangar retry', 'a fence never closed runs to the end'],
    ['~~~\n```\n/hangar retry\n~~~', 'a backtick line does not close a tilde fence'],
    ['>>>\n/hangar retry\n>>>', "GitLab's multi-line quote"],
    ['<!--\n/hangar retry\n-->', 'HTML comment'],
    ['<!-- /hangar retry -->', 'one-line HTML comment'],
    ['/hangarretry', 'a longer word'],
    ['/hangar-bot retry', 'another prefix'],
    ['/retry', 'another command'],
    ['hangar retry', 'no slash'],
    ['//hangar retry', 'two slashes'],
    ['', 'empty comment'],
  ])('ignores %j (%s)', (body) => {
    expect(parseCommands(body)).toEqual([]);
  });

  it('takes commands after a closed fence, quote or comment', () => {
    const body = [
      'Retrying because of a flake:',
      '```',
      '/hangar cancel',
      '```',
      '> /hangar run',
      '<!--',
      '/hangar approve',
      '-->',
      '>>>',
      '/hangar help',
      '>>>',
      '/hangar retry integration',
    ].join('\n');
    expect(parseCommands(body)).toEqual([
      { name: 'retry', args: ['integration'], line: 12, text: '/hangar retry integration' },
    ]);
  });

  it('reports the line each command is on', () => {
    expect(parseCommands('hello\n/hangar run\n\n/hangar help').map((c) => c.line)).toEqual([2, 4]);
  });

  it('a fence with a backtick in its info string is inline code, not a fence', () => {
    expect(names('```a`\n/hangar retry')).toEqual(['retry']);
  });

  it('takes at most MAX_COMMANDS_PER_NOTE commands', () => {
    const body = Array.from({ length: 30 }, (_, i) => `/hangar retry p${i}`).join('\n');
    expect(parseCommands(body)).toHaveLength(MAX_COMMANDS_PER_NOTE);
  });

  it('uses the given prefix', () => {
    expect(parseCommands('/drone retry\n/hangar run', 'drone').map((c) => c.name)).toEqual(['retry']);
  });

  it('never finds a command in text that has no line starting with /hangar', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const body = s
          .split(/\r\n|\n|\r/)
          .map((l) => (l.trimStart().toLowerCase().startsWith('/hangar') ? `x${l}` : l))
          .join('\n');
        expect(parseCommands(body)).toEqual([]);
      }),
    );
  });

  it('finds a command line wherever it sits among plain lines', () => {
    const plain = fc
      .string({ maxLength: 40 })
      .map((l) => l.replace(/[\r\n`~<>/]/g, ''))
      .filter((l) => !/^\s{4}/.test(l));
    fc.assert(
      fc.property(fc.array(plain, { maxLength: 8 }), fc.nat(), (lines, at) => {
        const i = at % (lines.length + 1);
        const body = [...lines.slice(0, i), '/hangar retry', ...lines.slice(i)].join('\n');
        expect(parseCommands(body)).toEqual([
          { name: 'retry', args: [], line: i + 1, text: '/hangar retry' },
        ]);
      }),
    );
  });
});
