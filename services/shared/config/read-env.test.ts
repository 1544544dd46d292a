import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { readEnv, secretSetting, setting } from './read-env.js';
import { bool, byteSize, duration, int, list, parseByteSize, parseDuration } from './values.js';

const settings = {
  lease: setting('HANGAR_LEASE_TIMEOUT', duration, 30_000),
  capacity: setting(['HANGAR_RUNNER_CAPACITY', 'DRONE_MAX_PROCS'], int, 2),
  open: setting('DRONE_OPEN', bool, false),
  labels: setting('HANGAR_RUNNER_LABELS', list, []),
  mem: setting('HANGAR_MEM_LIMIT', byteSize),
  secret: secretSetting('DRONE_SECRET', z.string().min(8, 'must be at least 8 characters')),
};

describe('readEnv', () => {
  it('applies defaults when nothing is set', () => {
    const c = readEnv({}, settings);
    expect(c).toEqual({
      lease: 30_000,
      capacity: 2,
      open: false,
      labels: [],
      mem: undefined,
      secret: undefined,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads Drone names as aliases, first set name wins', () => {
    expect(readEnv({ DRONE_MAX_PROCS: '4' }, settings).capacity).toBe(4);
    expect(readEnv({ DRONE_MAX_PROCS: '4', HANGAR_RUNNER_CAPACITY: '3' }, settings).capacity).toBe(3);
  });

  it('parses durations, sizes, booleans and lists', () => {
    const c = readEnv(
      {
        HANGAR_LEASE_TIMEOUT: '1m30s',
        HANGAR_MEM_LIMIT: '512m',
        DRONE_OPEN: 'true',
        HANGAR_RUNNER_LABELS: 'a=b, c=d',
      },
      settings,
    );
    expect(c.lease).toBe(90_000);
    expect(c.mem).toBe(512 * 1024 * 1024);
    expect(c.open).toBe(true);
    expect(c.labels).toEqual(['a=b', 'c=d']);
  });

  it('names the variable in the error and says how to write the value', () => {
    expect(() => readEnv({ HANGAR_LEASE_TIMEOUT: 'soon' }, settings)).toThrowError(
      /HANGAR_LEASE_TIMEOUT: 'soon' is not a duration; write it like 30s/,
    );
    expect(() => readEnv({ DRONE_MAX_PROCS: 'many' }, settings)).toThrowError(
      /DRONE_MAX_PROCS: 'many' is not a whole number/,
    );
  });

  it('lists every bad variable at once', () => {
    try {
      readEnv({ DRONE_OPEN: 'maybe', HANGAR_MEM_LIMIT: 'lots' }, settings);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain('DRONE_OPEN');
      expect((err as Error).message).toContain('HANGAR_MEM_LIMIT');
    }
  });

  it('never echoes a secret value', () => {
    try {
      readEnv({ DRONE_SECRET: 'abc' }, settings);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe('DRONE_SECRET: must be at least 8 characters');
    }
  });
});

describe('value parsers', () => {
  it.each([
    ['30s', 30_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['2', 2000],
    ['1.5s', 1500],
  ])('duration %s', (s, ms) => expect(parseDuration(s)).toBe(ms));

  it.each(['', 's', '10x', '5m junk'])('rejects duration %j', (s) =>
    expect(parseDuration(s)).toBeUndefined(),
  );

  it.each([
    ['512m', 536_870_912],
    ['1GiB', 1_073_741_824],
    ['1gb', 1_000_000_000],
    ['100', 100],
  ])('size %s', (s, n) => expect(parseByteSize(s)).toBe(n));

  it('rejects unknown size units', () => expect(parseByteSize('3 parsecs')).toBeUndefined());
});
