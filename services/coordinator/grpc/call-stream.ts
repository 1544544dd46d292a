/**
 * Calls: Accept, ExtendLease, UpdateStep and Complete as messages on one
 * stream per runner. Each message is answered by the same function as the
 * unary call, and a refusal becomes an error reply for that call only: the
 * stream stays open. The credentials are checked when the stream opens; a
 * runner's own token is checked again with every call (it can be revoked),
 * the shared secret cannot change while the coordinator runs.
 */
import { type handleBidiStreamingCall, status } from '@grpc/grpc-js';
import type { RunnerCall__Output } from '../../../proto/generated/hangar/v1/RunnerCall.js';
import type { RunnerReply } from '../../../proto/generated/hangar/v1/RunnerReply.js';
import { StatusError, toStatus } from '../../shared/grpc/status.js';
import type { Logger } from '../../shared/log.js';
import type { Authenticator, Caller } from './auth.js';
import { failStream, logRefusal } from './handle.js';
import { SHUTDOWN_STATUS, type StreamTracker } from './server.js';

type Req<K extends keyof RunnerCall__Output> = NonNullable<RunnerCall__Output[K]>;
type Res<K extends keyof RunnerReply> = NonNullable<RunnerReply[K]>;

/** The per-job calls, each given the authenticated caller. */
export interface JobCalls {
  Accept(req: Req<'accept'>, caller: Caller): Promise<Res<'accept'>>;
  ExtendLease(req: Req<'extendLease'>, caller: Caller): Promise<Res<'extendLease'>>;
  UpdateStep(req: Req<'updateStep'>, caller: Caller): Promise<Res<'updateStep'>>;
  Complete(req: Req<'complete'>, caller: Caller): Promise<Res<'complete'>>;
}

const METHOD = {
  accept: 'Accept',
  extendLease: 'ExtendLease',
  updateStep: 'UpdateStep',
  complete: 'Complete',
} as const;

async function answer(msg: RunnerCall__Output, caller: Caller, calls: JobCalls): Promise<RunnerReply> {
  const name = msg.call;
  if (name === undefined) {
    throw new StatusError(
      status.INVALID_ARGUMENT,
      'the message names no call; send one of accept, extend_lease, update_step, complete',
    );
  }
  // METHOD names the function answering each call; the reply carries its answer under the call's name.
  const fn = calls[METHOD[name]] as (req: unknown, caller: Caller) => Promise<unknown>;
  return { id: msg.id, [name]: await fn.call(calls, msg[name], caller) };
}

export function callsHandler(
  auth: Authenticator,
  streams: StreamTracker,
  calls: JobCalls,
  log: Logger,
): handleBidiStreamingCall<RunnerCall__Output, RunnerReply> {
  return (call) => {
    let done = false;
    let ended = false;
    let inFlight = 0;
    const finish = () => {
      done = true;
      forget();
    };
    const forget = streams.add(() => {
      if (done) return;
      finish();
      call.emit('error', SHUTDOWN_STATUS);
    });
    const opened = auth.runner(call, 'Calls');
    opened.catch((err: unknown) => {
      if (done) return;
      finish();
      failStream(call, err, 'Calls', log);
    });
    const endIfIdle = () => {
      if (ended && inFlight === 0 && !done) {
        finish();
        call.end();
      }
    };

    /** The caller for one call: the stream's, or for a runner's own token, checked again. */
    const callerFor = async (method: string): Promise<Caller> => {
      const caller = await opened;
      if (caller.kind === 'runner') return auth.runner(call, method);
      if (caller.runnerId !== undefined) auth.touch(caller.runnerId);
      return caller;
    };

    const handle = async (msg: RunnerCall__Output) => {
      const method = msg.call === undefined ? 'Calls' : METHOD[msg.call];
      let reply: RunnerReply;
      try {
        reply = await answer(msg, await callerFor(method), calls);
      } catch (err) {
        const st = toStatus(err, method);
        logRefusal(log, method, st, err);
        reply = { id: msg.id, error: { code: st.code, message: st.details } };
      }
      if (!done) call.write(reply);
    };

    call.on('data', (msg: RunnerCall__Output) => {
      if (done) return;
      inFlight += 1;
      void handle(msg).finally(() => {
        inFlight -= 1;
        endIfIdle();
      });
    });
    call.on('end', () => {
      ended = true;
      endIfIdle();
    });
    call.on('cancelled', () => {
      if (!done) finish();
    });
    call.on('error', () => {
      if (!done) finish();
    });
  };
}
