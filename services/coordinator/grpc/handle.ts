/** Handler wrappers: errors become statuses with a sentence; unexpected ones are logged with their stack. */
import type { handleUnaryCall, ServerUnaryCall } from '@grpc/grpc-js';
import { isExpected, toStatus } from '../../shared/grpc/status.js';
import type { Logger } from '../../shared/log.js';

/** Logs a call's refusal: a chosen status at debug, anything unexpected as an error with its stack. */
export function logRefusal(
  log: Logger,
  method: string,
  st: { code: number; details: string },
  err: unknown,
): void {
  if (isExpected(st.code)) log.debug({ method, code: st.code, reason: st.details }, 'call refused');
  else log.error({ err, method }, 'call failed');
}

export function unary<Req, Res>(
  method: string,
  log: Logger,
  fn: (req: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request, call).then(
      (res) => callback(null, res),
      (err: unknown) => {
        const st = toStatus(err, method);
        logRefusal(log, method, st, err);
        callback(st);
      },
    );
  };
}

/** Ends a stream with the status for `err`. */
export function failStream(
  call: { emit(event: 'error', err: unknown): boolean },
  err: unknown,
  method: string,
  log: Logger,
): void {
  const st = toStatus(err, method);
  if (isExpected(st.code))
    log.debug({ method, code: st.code, reason: st.details }, 'stream ended with an error');
  else log.error({ err, method }, 'stream failed');
  call.emit('error', st);
}
