/**
 * Maps the executor's steps to the ids the coordinator gave them. The
 * coordinator numbers a job's steps from its plan as clone, services, steps
 * (store/steps.ts planStepNames); the executor reports the same units by kind
 * and name, and log lines by name.
 */
import type { StepState__Output } from '../../../proto/generated/hangar/v1/StepState.js';
import type { LogLine, StepKind, StepState } from '../../shared/job/events.js';
import type { JobPlan } from '../../shared/pipeline/types.js';

export interface StepIds {
  forState(s: Pick<StepState, 'kind' | 'name'>): number | undefined;
  forLine(line: Pick<LogLine, 'step'>): number | undefined;
}

export function stepIdResolver(plan: JobPlan, steps: readonly StepState__Output[]): StepIds {
  const units: [StepKind, string][] = [
    ...(plan.clone ? [['clone', plan.clone.name] as [StepKind, string]] : []),
    ...plan.services.map((s): [StepKind, string] => ['service', s.name]),
    ...plan.steps.map((s): [StepKind, string] => ['step', s.name]),
  ];
  const byNumber = new Map(steps.map((s) => [s.number, s]));
  const byUnit = new Map<string, number>();
  const byName = new Map<string, number>();
  for (const [i, [kind, name]] of units.entries()) {
    const numbered = byNumber.get(i + 1);
    const step = numbered?.name === name ? numbered : steps.find((s) => s.name === name);
    if (step === undefined) continue;
    byUnit.set(`${kind}\0${name}`, step.id);
    if (!byName.has(name)) byName.set(name, step.id);
  }
  return {
    forState: (s) => byUnit.get(`${s.kind}\0${s.name}`),
    forLine: (l) => byName.get(l.step),
  };
}
