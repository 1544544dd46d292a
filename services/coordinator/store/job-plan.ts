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
>;

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
  };
}
