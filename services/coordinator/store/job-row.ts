import type { JobPlan } from '../../shared/pipeline/types.js';
import { bool, json, num, optNumber, str } from './rows.js';
import type { Job, JobStatus } from './types.js';

/**
 * The plan is the largest part of a job row (kilobytes of environment) and
 * most readers of a job never look at it: it is parsed on first use, and its
 * stored text is kept for handing to a runner as it is.
 */
export function toJob(r: Record<string, unknown>): Job {
  const planText = typeof r.plan === 'string' ? r.plan : '';
  let plan: JobPlan | undefined;
  return {
    id: num(r.id),
    buildId: num(r.build_id),
    number: num(r.number),
    name: str(r.name),
    axis: json(r.axis, {}),
    status: str(r.status) as JobStatus,
    get plan(): JobPlan {
      plan ??= json(planText, {} as JobPlan);
      return plan;
    },
    set plan(value: JobPlan) {
      plan = value;
    },
    planJson: planText,
    dependsOn: json(r.depends_on, []),
    labels: json(r.labels, {}),
    runnerId: optNumber(r.runner_id),
    attempt: num(r.attempt),
    leaseExpiresAt: optNumber(r.lease_expires_at),
    cancelRequested: bool(r.cancel_requested),
    error: str(r.error),
    createdAt: num(r.created_at),
    startedAt: optNumber(r.started_at),
    finishedAt: optNumber(r.finished_at),
  };
}
