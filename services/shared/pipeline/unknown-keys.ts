/**
 * Keys Drone's YAML decoding silently ignored: Hangar ignores them too, with
 * a warning that names the key, suggests the key meant and says what happens
 * instead. Where nothing could run without the key meant (no image, no
 * steps), the refusal names the unknown key that is the likely cause.
 */
import { closest, didYouMean } from './diagnostics.js';
import type { Position } from './types.js';
import type { YPair } from './yaml-load.js';

/** What a step without the key does, said after "did you mean 'KEY'?". */
const WITHOUT: Record<string, string> = {
  commands: "Without commands the step runs its image's entrypoint",
  settings: 'Without settings the plugin gets no PLUGIN_ variables',
  environment: "Without environment the step gets only the build's variables",
  when: 'Without when the step runs on every build',
  depends_on: 'Without depends_on the step waits for the step before it',
};

/**
 * The warning for an unknown 1.x step key. `known` are the step keys, `has`
 * says whether the step sets a key (then nothing is said to be missing).
 */
export function unknownStepKey(
  what: string,
  key: string,
  known: readonly string[],
  has: (key: string) => boolean,
): string {
  let hint: string;
  let without: string | undefined;
  if (key === 'secrets') {
    hint =
      "; the step gets none of these secrets, in 1.x write them under environment as 'NAME: {from_secret: name}'";
  } else if (key === 'group') {
    hint =
      "; in 1.x steps run one after another unless 'depends_on' says otherwise, so use depends_on to run steps in parallel";
  } else if (key === 'clone') {
    hint = "; clone is set per pipeline ('clone: disable: true' at the pipeline's top level)";
  } else {
    const meant = closest(key, known);
    hint = meant ? `; did you mean '${meant}'?` : "; plugin options go under 'settings:'";
    if (meant && !has(meant)) without = WITHOUT[meant];
  }
  return `${what}: unknown key '${key}' is ignored, as Drone does${hint}${without ? ` ${without}` : ''}`;
}

/**
 * An unknown key that is likely a misspelling of `wanted` (say 'imgae' for
 * 'image'), with its place; undefined when there is none. `spots` are the
 * places of every key written, `known` the keys that are not unknown.
 */
export function misspeltKey(
  spots: Record<string, Position> | undefined,
  wanted: string,
  known: readonly string[],
): { key: string; pos: Position } | undefined {
  for (const [key, pos] of Object.entries(spots ?? {})) {
    if (key === wanted || key.includes(':') || known.includes(key)) continue;
    if (closest(key, known) === wanted) return { key, pos };
  }
  return undefined;
}

/** The pair among `pairs` whose unknown key is likely a misspelling of `wanted`. */
export function misspeltPair(
  pairs: readonly YPair[],
  wanted: string,
  known: readonly string[],
): YPair | undefined {
  return pairs.find((p) => !known.includes(p.key) && closest(p.key, known) === wanted);
}

/** Keys of other pipeline types or places, and what to do about them in a docker pipeline. */
const ELSEWHERE: Record<string, string> = {
  when: "; pipelines use 'trigger:' for their conditions, so these do not apply; move them under 'trigger:'",
  node_selector: "; it belongs to kubernetes pipelines, docker pipelines pick runners with 'node:'",
  tolerations: '; it belongs to kubernetes pipelines, remove it',
  service_account_name: '; it belongs to kubernetes pipelines, remove it',
  metadata: '; it belongs to kubernetes pipelines, remove it',
  resources: '; it belongs to kubernetes pipelines, set mem_limit on each step instead',
  pool: "; it belongs to vm pipelines, remove it or set 'type: vm'",
  server: "; it belongs to ssh pipelines, remove it or set 'type: ssh'",
  pipeline: "; 'pipeline:' is the Drone 0.8 format, in 1.x list steps under 'steps:'",
};

/** The warning for an unknown key of a 1.x docker pipeline. */
export function unknownPipelineKey(what: string, key: string, known: readonly string[]): string {
  const hint = ELSEWHERE[key] ?? `${didYouMean(key, known)}; remove it or fix its spelling`;
  return `${what}: unknown key '${key}' is ignored, as Drone does${hint}`;
}

/**
 * For a 1.x pipeline without steps: the unknown key that most likely meant to
 * hold them ('pipeline:', a misspelt 'steps:', or any list) and the error
 * naming it; undefined when no unknown key fits.
 */
export function noStepsCause(
  what: string,
  unknown: readonly YPair[],
  known: readonly string[],
): { pair: YPair; message: string } | undefined {
  const old = unknown.find((p) => p.key === 'pipeline');
  const line = (p: YPair) => p.keyPos.line;
  if (old) {
    return {
      pair: old,
      message: `${what} has no steps; its 'pipeline:' section (line ${line(old)}) is the Drone 0.8 format, in 1.x list the steps under 'steps:'`,
    };
  }
  const typo = unknown.find((p) => closest(p.key, known) === 'steps');
  if (typo) {
    return {
      pair: typo,
      message: `${what} has no steps; did you mean 'steps' instead of '${typo.key}' (line ${line(typo)})?`,
    };
  }
  const list = unknown.find((p) => p.value.kind === 'seq');
  if (list) {
    return {
      pair: list,
      message: `${what} has no steps; '${list.key}' (line ${line(list)}) is not a pipeline key, list the steps under 'steps:'`,
    };
  }
  return undefined;
}
