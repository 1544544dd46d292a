import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandScript, SCRIPT_COMMAND, SCRIPT_ENTRYPOINT, SCRIPT_ENV, shellQuote } from './script.js';

/** Runs the script the way a step container does: /bin/sh -c 'eval "$HANGAR_SCRIPT"'. */
function runScript(commands: string[]) {
  const [sh = '/bin/sh', ...args] = [...SCRIPT_ENTRYPOINT, ...SCRIPT_COMMAND];
  const r = spawnSync(sh, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [SCRIPT_ENV]: commandScript(commands) },
    encoding: 'utf8',
    input: 'stdin-data\n',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('commandScript', () => {
  it('echoes each command with + before running it', () => {
    const r = runScript(['echo one', 'echo two']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('+ echo one\none\n+ echo two\ntwo\n');
  });

  it('stops at the first failing command and exits with its code', () => {
    const r = runScript(['echo before', 'sh -c "exit 7"', 'echo after']);
    expect(r.code).toBe(7);
    expect(r.out).not.toContain('after');
  });

  it('echoes commands with quotes, backslashes and dollars exactly as written', () => {
    const cmd = `printf '%s\\n' "it's \\$HOME" 'a\\nb'`;
    const r = runScript([cmd]);
    expect(r.out.split('\n')[0]).toBe(`+ ${cmd}`);
    expect(r.out.split('\n')[1]).toBe("it's $HOME");
  });

  it('keeps state between commands, as one shell', () => {
    const r = runScript(['X=42', 'cd /tmp', 'echo "$X $(pwd)"']);
    expect(r.out).toContain('42 /tmp');
  });

  it('runs multi-line commands', () => {
    const r = runScript(['for i in 1 2; do\n  echo "n=$i"\ndone']);
    expect(r.out).toContain('n=1\nn=2');
  });

  it('does not feed the script to commands that read stdin', () => {
    const r = runScript(['cat', 'echo still-here']);
    expect(r.out).toBe('+ cat\nstdin-data\n+ echo still-here\nstill-here\n');
  });

  it('does not leave the script in the environment of commands', () => {
    const r = runScript([`env | grep -c ${SCRIPT_ENV} || true`]);
    expect(r.out.trim().split('\n').pop()).toBe('0');
  });
});

describe('shellQuote', () => {
  it('round-trips any text through the shell', () => {
    for (const s of ['plain', "it's", 'a"b', '$(rm -rf /)', 'back\\slash', '']) {
      const r = spawnSync('/bin/sh', ['-c', `printf %s ${shellQuote(s)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(s);
    }
  });
});
