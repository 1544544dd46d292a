/**
 * Whether this runner may take a job: every label the job asks for must be
 * one of the runner's, with the same value. A job that asks for nothing runs
 * anywhere in its platform's pool. The rule is the work queue's own (jobs are
 * routed by it), so it lives with the queue.
 */
export { labelsMatch, missingLabels } from '../../shared/nats/label-routes.js';
