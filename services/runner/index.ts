/** The runner's executor: what the runner daemon and `hangar exec` use. */
export { dockerConnection, type RunnerConfig, readRunnerConfig, runnerSettings } from './config.js';
export { connectDocker, type DockerConnection } from './docker/dockerode-engine.js';
export type { DockerEngine, RegistryAuth } from './docker/engine.js';
export { cleanupLeftovers, type LeftoverReport } from './executor/leftovers.js';
export type { Netrc, RunOptions } from './executor/options.js';
export { type JobRun, runJob } from './executor/run-job.js';
