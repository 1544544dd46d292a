/**
 * A real runner daemon on the local Docker engine, pointed at a test
 * coordinator: for tests that observe when steps really ran.
 */
import { randomBytes } from 'node:crypto';
import type { Build__Output } from '../../proto/generated/hangar/v1/Build.js';
import type { RestartBuildRequest } from '../../proto/generated/hangar/v1/RestartBuildRequest.js';
import { readRunnerDaemonConfig } from '../../services/runner/config.js';
import { type RunnerDaemon, startRunnerDaemon } from '../../services/runner/daemon/daemon.js';
import { unary } from '../../services/shared/grpc/call.js';
import { silentLogger } from '../../services/shared/log.js';
import { type Cluster, SECRET } from './harness.js';

/** Starts a runner daemon taking up to `capacity` jobs at once; stop it when done. */
export async function dockerRunner(cluster: Cluster, capacity: number): Promise<RunnerDaemon> {
  const cfg = readRunnerDaemonConfig({
    DRONE_SERVER: cluster.grpcAddress,
    DRONE_SECRET: SECRET,
    HANGAR_NATS_URL: cluster.nats.url,
    HANGAR_RUNNER_NAME: `limit-${randomBytes(3).toString('hex')}`,
    HANGAR_RUNNER_CAPACITY: String(capacity),
    HANGAR_RUNNER_GRACE: '10s',
    HANGAR_STOP_GRACE: '1s',
  });
  return startRunnerDaemon(cfg, silentLogger);
}

/** A 1.x pipeline without a clone step whose one step runs `commands` in busybox. */
export function shellPipeline(name: string, commands: string[], extra = ''): string {
  return `kind: pipeline
type: docker
name: ${name}
clone:
  disable: true
${extra}
steps:
- name: run
  image: hangar/busybox:latest
  commands:
${commands.map((c) => `  - ${JSON.stringify(c)}`).join('\n')}
`;
}

/** RestartBuild as the bot and the REST API call it. */
export function restartBuild(
  cluster: Cluster,
  req: Omit<RestartBuildRequest, 'repo'> & { slug: string },
): Promise<Build__Output> {
  const { slug, ...rest } = req;
  return unary<Build__Output>((o, cb) =>
    cluster.client.restartBuild({ repo: { slug }, params: {}, ...rest }, cluster.md(), o, cb),
  );
}
