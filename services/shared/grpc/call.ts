/** A unary gRPC call as a promise, always with a deadline. */
import type { CallOptions, requestCallback, ServiceError } from '@grpc/grpc-js';
import { withDeadline } from './deadline.js';

/**
 * Runs `start(options, callback)` with a deadline `timeoutMs` from now:
 * `unary<AcceptResponse__Output>((o, cb) => client.accept(req, md, o, cb))`.
 */
export function unary<Res>(
  start: (options: CallOptions, callback: requestCallback<Res>) => unknown,
  timeoutMs?: number,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    start(withDeadline(timeoutMs), (err: ServiceError | null, res?: Res) => {
      if (err) reject(err);
      else resolve(res as Res);
    });
  });
}
