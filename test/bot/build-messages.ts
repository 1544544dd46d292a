/**
 * Builds as the coordinator's GetBuild answers them, for tests of what the
 * bot shows. Only the fields a test names differ from a fresh build.
 */
import type { BuildMessage } from '../../services/gitlab-bot/api/build-service.js';

type JobMessage = BuildMessage['jobs'][number];
type StepMessage = JobMessage['steps'][number];

export function step(name: string, over: Partial<StepMessage> = {}): StepMessage {
  return {
    id: 0,
    number: 1,
    name,
    status: 'PENDING',
    exitCode: 0,
    oomKilled: false,
    error: '',
    startedMs: 0,
    finishedMs: 0,
    ...over,
  };
}

export function job(name: string, over: Partial<JobMessage> = {}): JobMessage {
  return {
    id: 0,
    number: 1,
    name,
    axis: {},
    status: 'PENDING',
    dependsOn: [],
    runner: '',
    attempt: 0,
    error: '',
    startedMs: 0,
    finishedMs: 0,
    steps: [],
    ...over,
  };
}

export function build(over: Partial<BuildMessage> = {}): BuildMessage {
  return {
    id: 1,
    repoSlug: 'acme/app',
    number: 1,
    parent: 0,
    event: 'push',
    status: 'PENDING',
    error: '',
    ref: 'refs/heads/main',
    branch: 'main',
    sha: 'a'.repeat(40),
    message: '',
    title: '',
    author: '',
    sourceBranch: '',
    targetBranch: '',
    mergeRequestIid: 0,
    fork: false,
    link: '',
    createdMs: 0,
    startedMs: 0,
    finishedMs: 0,
    params: {},
    jobs: [],
    ...over,
  };
}
