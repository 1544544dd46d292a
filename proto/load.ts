/**
 * Loads Hangar's gRPC contract (proto/hangar/v1/*.proto) with the options the
 * generated types in proto/generated assume, and exports typed service
 * definitions (for servers) and client constructors.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { ProtoGrpcType as BuildsProto } from './generated/builds.js';
import type { ProtoGrpcType as RunnerProto } from './generated/runner.js';

/**
 * The directory holding hangar/v1/*.proto: this file's own directory when it
 * runs from source, proto/ of the repository when it runs bundled from dist/.
 */
function findProtoDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    for (const candidate of [dir, join(dir, 'proto')]) {
      if (existsSync(join(candidate, 'hangar/v1/runner.proto'))) return candidate;
    }
    if (dirname(dir) === dir) {
      throw new Error(`no proto/hangar/v1/runner.proto in ${here} or a directory above it`);
    }
  }
}

/** Directory holding the .proto files (the include root for imports). */
export const PROTO_DIR = findProtoDir();

/** Must match the flags in scripts/gen-proto.sh, or the generated types lie. */
export const LOADER_OPTIONS: Options = Object.freeze({
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
});

function load<T>(file: string): T {
  return loadPackageDefinition(loadSync(file, LOADER_OPTIONS)) as unknown as T;
}

const runnerProto = load<RunnerProto>('hangar/v1/runner.proto');
const buildsProto = load<BuildsProto>('hangar/v1/builds.proto');

/** Client constructor of the service runners use: `new RunnerServiceClient(addr, credentials)`. */
export const RunnerServiceClient = runnerProto.hangar.v1.RunnerService;
/** Service definition for `server.addService(runnerService, handlers)`. */
export const runnerService = RunnerServiceClient.service;

/** Client constructor of the service the bot and the CLI use. */
export const BuildServiceClient = buildsProto.hangar.v1.BuildService;
export const buildService = BuildServiceClient.service;

export type {
  BuildServiceClient as BuildClient,
  BuildServiceHandlers,
} from './generated/hangar/v1/BuildService.js';
export type {
  RunnerServiceClient as RunnerClient,
  RunnerServiceHandlers,
} from './generated/hangar/v1/RunnerService.js';
export type { Status, Status__Output } from './generated/hangar/v1/Status.js';
