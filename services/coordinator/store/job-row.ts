import { bool, json, num, optNumber, str } from './rows.js';
import type { Job, JobPlanHead, JobStatus } from './types.js';

export function toJob(r: Record<string, unknown>): Job {
  return {
    id: num(r.id),
    buildId: num(r.build_id),
    number: num(r.number),
    name: str(r.name),
    axis: json(r.axis, {}),
    status: str(r.status) as JobStatus,
    plan: json(r.plan, {} as JobPlanHead),
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
