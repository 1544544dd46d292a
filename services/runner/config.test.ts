import { describe, expect, it } from 'vitest';
import { dockerConnection, readRunnerConfig } from './config.js';

describe('readRunnerConfig', () => {
  it('has defaults that run a job on the local engine', () => {
    const c = readRunnerConfig({});
    expect(c).toMatchObject({
      cloneImage: 'hangar/git:latest',
      jobTimeoutMs: 3_600_000,
      stopGraceMs: 5000,
      networkSandbox: true,
      memLimit: undefined,
      dockerHost: undefined,
    });
    expect(dockerConnection(c)).toEqual({ tlsVerify: false });
  });

  it("reads Hangar's names and Drone runner's aliases", () => {
    const c = readRunnerConfig({
      HANGAR_CLONE_IMAGE: 'registry.local/git:2',
      DRONE_MEMORY_LIMIT: '1g',
      DRONE_TIMEOUT: '90m',
      DOCKER_HOST: 'tcp://docker:2376',
      DOCKER_CERT_PATH: '/certs',
      HANGAR_NETWORK_SANDBOX: 'false',
    });
    expect(c.cloneImage).toBe('registry.local/git:2');
    expect(c.memLimit).toBe(1024 ** 3);
    expect(c.jobTimeoutMs).toBe(90 * 60_000);
    expect(c.networkSandbox).toBe(false);
    expect(dockerConnection(c)).toEqual({ host: 'tcp://docker:2376', certPath: '/certs', tlsVerify: false });
  });

  it('names the variable when a value is wrong', () => {
    expect(() => readRunnerConfig({ HANGAR_JOB_TIMEOUT: 'forever' })).toThrow(
      /^HANGAR_JOB_TIMEOUT: 'forever' is not a duration/,
    );
  });
});
