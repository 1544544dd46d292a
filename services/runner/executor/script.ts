/**
 * The shell script a step's `commands` become. It runs as
 * `/bin/sh -c 'eval "$HANGAR_SCRIPT"'`, which needs nothing but a POSIX
 * shell in the image (busybox is enough) and keeps the step's stdin free.
 * Like Drone, it stops at the first failing command (`set -e`) and prints
 * each command, prefixed with `+ `, before running it.
 */
export const SCRIPT_ENV = 'HANGAR_SCRIPT';
export const SCRIPT_ENTRYPOINT = ['/bin/sh', '-c'];
export const SCRIPT_COMMAND = [`eval "$${SCRIPT_ENV}"`];

export function commandScript(commands: string[]): string {
  const lines = [`unset ${SCRIPT_ENV}`, 'set -e'];
  for (const cmd of commands) {
    lines.push(`printf '%s\\n' ${shellQuote(`+ ${cmd}`)}`);
    lines.push(cmd);
  }
  return `${lines.join('\n')}\n`;
}

/** Single-quotes a string for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
