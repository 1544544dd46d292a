import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.js';
import { readRunnerDaemonConfig } from '../config.js';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    readRunnerDaemonConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('runner daemon configuration', () => {
  it('has working defaults on one machine', () => {
    const c = readRunnerDaemonConfig({});
    expect(c.server).toEqual({ target: '127.0.0.1:9000', tls: false });
    expect(c.natsUrl).toBe('nats://127.0.0.1:4222');
    expect(c.capacity).toBe(2);
    expect(c.name).toBe(hostname());
    expect(c.graceMs).toBe(60_000);
    expect(c.labels).toEqual({});
    expect(c.secret).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("accepts a Drone agent's environment as it is", () => {
    const c = readRunnerDaemonConfig({
      DRONE_SERVER: 'drone-server:9000',
      DRONE_SECRET: 's3cret',
      DRONE_MAX_PROCS: '4',
      DRONE_RUNNER_LABELS: 'gpu:true,zone:eu-1',
      DRONE_RUNNER_NAME: 'agent-7',
    });
    expect(c.server).toEqual({ target: 'drone-server:9000', tls: false });
    expect(c.secret).toBe('s3cret');
    expect(c.capacity).toBe(4);
    expect(c.labels).toEqual({ gpu: 'true', zone: 'eu-1' });
    expect(c.name).toBe('agent-7');
  });

  it('prefers the Hangar names and reads URLs, TLS and durations', () => {
    const c = readRunnerDaemonConfig({
      DRONE_SERVER: 'https://ci.example.com',
      HANGAR_RUNNER_CAPACITY: '3',
      DRONE_MAX_PROCS: '9',
      HANGAR_RUNNER_LABELS: 'arch=arm, os = linux',
      HANGAR_RUNNER_GRACE: '1m30s',
      HANGAR_RUNNER_PLATFORM: 'linux/arm64',
      DOCKER_HOST: 'tcp://docker:2375',
    });
    expect(c.server).toEqual({ target: 'ci.example.com:443', tls: true });
    expect(c.capacity).toBe(3);
    expect(c.labels).toEqual({ arch: 'arm', os: 'linux' });
    expect(c.graceMs).toBe(90_000);
    expect(c.platform).toEqual({ os: 'linux', arch: 'arm64' });
    expect(c.docker.host).toBe('tcp://docker:2375');
    expect(readRunnerDaemonConfig({ DRONE_SERVER: 'grpc://10.0.0.5' }).server.target).toBe('10.0.0.5:9000');
  });

  it('names the variable and the fix for bad values', () => {
    expect(errorOf({ HANGAR_RUNNER_CAPACITY: '0' }).message).toBe(
      'HANGAR_RUNNER_CAPACITY: must be a whole number from 1 to 1000',
    );
    expect(errorOf({ DRONE_MAX_PROCS: 'many' }).variable).toBe('DRONE_MAX_PROCS');
    expect(errorOf({ DRONE_SERVER: 'ftp://x:21' }).message).toContain(
      'write it like coordinator.example.com:9000',
    );
    expect(errorOf({ HANGAR_RUNNER_LABELS: 'gpu' }).message).toContain("'gpu' is not a label");
    expect(errorOf({ HANGAR_RUNNER_GRACE: 'soon' }).message).toContain("'soon' is not a duration");
  });

  it('never echoes the secret in an error', () => {
    const err = errorOf({ DRONE_SECRET: 'hunter2', HANGAR_RUNNER_CAPACITY: 'x' });
    expect(err.message).not.toContain('hunter2');
  });
});
