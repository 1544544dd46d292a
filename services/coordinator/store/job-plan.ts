import { planSpecs } from '../../shared/pipeline/specs.js';
import type { JobPlan } from '../../shared/pipeline/types.js';

/**
 * The part of a job's plan kept in the job's own row: small, read with every
 * job. Steps, services, clone and environment (kilobytes per job) are stored
 * apart and read only when a runner takes the job.
 */
export type JobPlanHead = Pick<
  JobPlan,
  | 'pipeline'
  | 'axis'
  | 'run'
  | 'skipReason'
  | 'onSuccess'
  | 'onFailure'
  | 'platform'
  | 'dependsOn'
  | 'concurrency'
  | 'labels'
  | 'imagePullSecrets'
> & {
  /**
   * Whether a step, service or the clone takes a secret (from_secret). Absent
   * in heads stored before it was kept: then the whole plan must be read.
   */
  stepSecrets?: boolean;
};

/** Whether any container of the plan takes a secret. */
export function takesSecrets(plan: JobPlan): boolean {
  return planSpecs(plan).some((s) => s.secrets.length > 0);
}

export function planHead(plan: JobPlan): JobPlanHead {
  return {
    pipeline: plan.pipeline,
    ...(plan.axis === undefined ? {} : { axis: plan.axis }),
    run: plan.run,
    ...(plan.skipReason === undefined ? {} : { skipReason: plan.skipReason }),
    ...(plan.onSuccess === undefined ? {} : { onSuccess: plan.onSuccess }),
    ...(plan.onFailure === undefined ? {} : { onFailure: plan.onFailure }),
    platform: plan.platform,
    dependsOn: plan.dependsOn,
    ...(plan.concurrency === undefined ? {} : { concurrency: plan.concurrency }),
    labels: plan.labels,
    imagePullSecrets: plan.imagePullSecrets,
    stepSecrets: takesSecrets(plan),
  };
}
