import type { JobPlan, StepSpec } from './types.js';

/** Every container of a plan, in the order they start: clone, services, steps. */
export function planSpecs(plan: Pick<JobPlan, 'clone' | 'services' | 'steps'>): StepSpec[] {
  return [...(plan.clone ? [plan.clone] : []), ...plan.services, ...plan.steps];
}
