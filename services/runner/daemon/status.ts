import type { Status } from '../../../proto/load.js';
import type { JobStatus, StepStatus } from '../../shared/job/events.js';

const STATUS: Record<StepStatus | JobStatus, Status> = {
  pending: 'PENDING',
  running: 'RUNNING',
  success: 'SUCCESS',
  failure: 'FAILURE',
  skipped: 'SKIPPED',
  killed: 'KILLED',
  error: 'ERROR',
};

/** The wire name of an executor status. */
export function protoStatus(s: StepStatus | JobStatus): Status {
  return STATUS[s];
}
