/** Reading BuildService states (the proto's enum names). */

const FAILED = new Set(['FAILURE', 'ERROR', 'KILLED']);
const UNFINISHED = new Set(['PENDING', 'QUEUED', 'RUNNING', 'BLOCKED']);

export const isFailed = (status: string): boolean => FAILED.has(status);
export const isUnfinished = (status: string): boolean => UNFINISHED.has(status);

/** Store states of builds that have not ended. */
export const UNFINISHED_BUILD_STATUSES = ['pending', 'running', 'blocked'] as const;

/** `a`, `a` and `b`, `a`, `b` and `c` — names in code spans. */
export function nameList(names: readonly string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}
