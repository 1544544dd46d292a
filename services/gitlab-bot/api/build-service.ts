/**
 * The bot's calls to the coordinator's BuildService, as promises. Every unary
 * call carries a deadline and the shared secret; gRPC failures become
 * BuildServiceError with a kind the API and the comment commands act on.
 */
import { type ClientReadableStream, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { Build__Output } from '../../../proto/generated/hangar/v1/Build.js';
import type { CancelBuildRequest } from '../../../proto/generated/hangar/v1/CancelBuildRequest.js';
import type { CreateBuildRequest } from '../../../proto/generated/hangar/v1/CreateBuildRequest.js';
import type { GetBuildRequest } from '../../../proto/generated/hangar/v1/GetBuildRequest.js';
import type { ListBuildsRequest } from '../../../proto/generated/hangar/v1/ListBuildsRequest.js';
import type { ListBuildsResponse__Output } from '../../../proto/generated/hangar/v1/ListBuildsResponse.js';
import type { ListRunnersRequest } from '../../../proto/generated/hangar/v1/ListRunnersRequest.js';
import type { ListRunnersResponse__Output } from '../../../proto/generated/hangar/v1/ListRunnersResponse.js';
import type { LogChunk__Output } from '../../../proto/generated/hangar/v1/LogChunk.js';
import type { RestartBuildRequest } from '../../../proto/generated/hangar/v1/RestartBuildRequest.js';
import type { RunnerInfo__Output } from '../../../proto/generated/hangar/v1/RunnerInfo.js';
import type { TailLogRequest } from '../../../proto/generated/hangar/v1/TailLogRequest.js';
import { type BuildClient, BuildServiceClient } from '../../../proto/load.js';
import { HangarError } from '../../shared/errors.js';

export type {
  Build__Output as BuildMessage,
  CreateBuildRequest,
  LogChunk__Output as LogChunkMessage,
  RestartBuildRequest,
};
export type RunnerMessage = RunnerInfo__Output;

/** What the bot asks of the coordinator. */
export interface BuildCalls {
  createBuild(req: CreateBuildRequest): Promise<Build__Output>;
  getBuild(req: GetBuildRequest): Promise<Build__Output>;
  listBuilds(req: ListBuildsRequest): Promise<Build__Output[]>;
  cancelBuild(req: CancelBuildRequest): Promise<Build__Output>;
  restartBuild(req: RestartBuildRequest): Promise<Build__Output>;
  /**
   * A step's log. Without `follow` the stream ends after what is stored (within
   * the deadline); with it, when the step ends or `signal` aborts.
   */
  tailLog(req: TailLogRequest, signal?: AbortSignal): AsyncIterable<LogChunk__Output>;
  listRunners(): Promise<RunnerInfo__Output[]>;
  close(): void;
}

export type BuildServiceErrorKind = 'not-found' | 'invalid' | 'refused' | 'unavailable' | 'auth' | 'internal';

/** A BuildService call failed; `message` is the coordinator's sentence (or ours, for transport failures). */
export class BuildServiceError extends HangarError {
  override readonly name = 'BuildServiceError';
  constructor(
    message: string,
    readonly kind: BuildServiceErrorKind,
    opts: { cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause, retryable: kind === 'unavailable' });
  }
}

export interface BuildCallsOptions {
  /** host:port of the coordinator's gRPC server. */
  address: string;
  /** DRONE_SECRET, sent as `authorization: Bearer …`. */
  secret?: string;
  /** Deadline of each unary call; default 10 s. */
  deadlineMs?: number;
  /** Longest a followed log stream stays open; default 6 h. */
  followLimitMs?: number;
}

function toError(err: unknown, address: string): BuildServiceError {
  const e = err as Partial<ServiceError>;
  const detail = e.details || (err instanceof Error ? err.message : String(err));
  switch (e.code) {
    case status.NOT_FOUND:
      return new BuildServiceError(detail, 'not-found', { cause: err });
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return new BuildServiceError(detail, 'invalid', { cause: err });
    case status.FAILED_PRECONDITION:
    case status.ALREADY_EXISTS:
    case status.ABORTED:
      return new BuildServiceError(detail, 'refused', { cause: err });
    case status.UNAUTHENTICATED:
    case status.PERMISSION_DENIED:
      return new BuildServiceError(
        `the coordinator at ${address} refused the bot (${detail}); set DRONE_SECRET to the same value on the bot and the coordinator`,
        'auth',
        { cause: err },
      );
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.RESOURCE_EXHAUSTED:
    case status.CANCELLED:
      return new BuildServiceError(
        `the coordinator at ${address} did not answer (${detail}); check that it runs and that DRONE_SERVER points at it`,
        'unavailable',
        { cause: err },
      );
    default:
      return new BuildServiceError(`the coordinator at ${address} failed: ${detail}`, 'internal', {
        cause: err,
      });
  }
}

type Unary<Req, Res> = (
  req: Req,
  md: Metadata,
  opts: { deadline: Date },
  cb: (err: ServiceError | null, res?: Res) => void,
) => unknown;

export function createBuildCalls(opts: BuildCallsOptions): BuildCalls {
  const client: BuildClient = new BuildServiceClient(opts.address, credentials.createInsecure());
  const deadlineMs = opts.deadlineMs ?? 10_000;
  const followLimitMs = opts.followLimitMs ?? 6 * 3600_000;
  const metadata = () => {
    const md = new Metadata();
    if (opts.secret) md.set('authorization', `Bearer ${opts.secret}`);
    return md;
  };

  function unary<Req, Res>(fn: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      fn.call(client, req, metadata(), { deadline: new Date(Date.now() + deadlineMs) }, (err, res) => {
        if (err) reject(toError(err, opts.address));
        else if (res === undefined) reject(toError(new Error('empty answer'), opts.address));
        else resolve(res);
      });
    });
  }

  async function* tailLog(req: TailLogRequest, signal?: AbortSignal): AsyncIterable<LogChunk__Output> {
    const limit = req.follow ? followLimitMs : deadlineMs;
    const call: ClientReadableStream<LogChunk__Output> = client.TailLog(req, metadata(), {
      deadline: new Date(Date.now() + limit),
    });
    const abort = () => call.cancel();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      for await (const chunk of call as AsyncIterable<LogChunk__Output>) {
        yield chunk;
        if (chunk.eof) break;
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw toError(err, opts.address);
    } finally {
      signal?.removeEventListener('abort', abort);
      call.cancel();
    }
  }

  return {
    createBuild: (req) => unary(client.CreateBuild, req),
    getBuild: (req) => unary(client.GetBuild, req),
    listBuilds: async (req) =>
      (await unary<ListBuildsRequest, ListBuildsResponse__Output>(client.ListBuilds, req)).builds,
    cancelBuild: (req) => unary(client.CancelBuild, req),
    restartBuild: (req) => unary(client.RestartBuild, req),
    tailLog,
    listRunners: async () =>
      (await unary<ListRunnersRequest, ListRunnersResponse__Output>(client.ListRunners, {})).runners,
    close: () => client.close(),
  };
}
