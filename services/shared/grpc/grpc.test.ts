import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { HangarError, RefusedError } from '../errors.js';
import { authMetadata, bearerToken, runnerIdOf, secretsEqual } from './auth.js';
import { describeCallError, isRetryable, StatusError, toStatus } from './status.js';

describe('auth metadata', () => {
  it('carries the bearer token and the runner id', () => {
    const md = authMetadata('s3cret', 42);
    expect(bearerToken(md)).toBe('s3cret');
    expect(runnerIdOf(md)).toBe(42);
    const none = new Metadata();
    expect(bearerToken(none)).toBeUndefined();
    none.set('authorization', 'Basic abc');
    expect(bearerToken(none)).toBeUndefined();
    none.set('x-hangar-runner-id', 'nope');
    expect(runnerIdOf(none)).toBeUndefined();
  });

  it('compares secrets whatever their lengths', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abd')).toBe(false);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
    expect(secretsEqual('', '')).toBe(true);
  });
});

describe('error mapping', () => {
  it("maps Hangar's errors to the status a client can act on, with the error's sentence", () => {
    const lost = new RefusedError('job 3: this runner no longer holds the lease');
    Object.defineProperty(lost, 'name', { value: 'LeaseLostError' });
    expect(toStatus(lost, 'UpdateStep')).toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: lost.message,
    });
    expect(toStatus(new RangeError('bad seq'), 'SendLogs')).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(toStatus(new StatusError(status.NOT_FOUND, 'no build 9'), 'GetBuild')).toMatchObject({
      code: status.NOT_FOUND,
      details: 'no build 9',
    });
    expect(toStatus(new HangarError('db down', { retryable: true }), 'x').code).toBe(status.UNAVAILABLE);
  });

  it('hides unexpected errors behind a sentence that points at the log', () => {
    const st = toStatus(new TypeError('cannot read properties of undefined'), 'Accept');
    expect(st).toMatchObject({
      code: status.INTERNAL,
      details: 'the coordinator failed to handle Accept; its log has the details',
    });
  });

  it('turns a failed call into one sentence for the user', () => {
    const unavailable = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: status.UNAVAILABLE,
      details: 'No connection established',
      metadata: new Metadata(),
    });
    const e = describeCallError(unavailable, 'the coordinator at 127.0.0.1:9000');
    expect(e.message).toBe(
      'cannot reach the coordinator at 127.0.0.1:9000 (No connection established); check that it runs and that DRONE_SERVER points at it',
    );
    expect(e.retryable).toBe(true);
    expect(isRetryable(unavailable)).toBe(true);
    const refused = Object.assign(new Error('9'), {
      code: status.FAILED_PRECONDITION,
      details: 'job 3 is gone',
      metadata: new Metadata(),
    });
    expect(describeCallError(refused, 'x').message).toBe('job 3 is gone');
    expect(isRetryable(refused)).toBe(false);
  });
});
