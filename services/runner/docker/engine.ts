import { HangarError } from '../../shared/errors.js';

/**
 * What the executor needs from a container engine. The one implementation
 * talks to Docker through dockerode (dockerode-engine.ts); nothing else in
 * the project touches dockerode.
 */
export interface DockerEngine {
  /** Where the engine is, for messages ('unix:///var/run/docker.sock'). */
  readonly address: string;
  ping(): Promise<void>;
  imageExists(image: string): Promise<boolean>;
  /** Pulls `image` (with `:latest` added when it names no tag); fails with DockerError. */
  pullImage(image: string, auth: RegistryAuth | undefined, signal?: AbortSignal): Promise<void>;
  createNetwork(name: string, labels: Record<string, string>): Promise<string>;
  removeNetwork(id: string): Promise<void>;
  createVolume(name: string, labels: Record<string, string>): Promise<string>;
  removeVolume(name: string): Promise<void>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Resolves with the exit code once the container has stopped. */
  waitContainer(id: string): Promise<number>;
  inspectContainer(id: string): Promise<ContainerState>;
  /** SIGTERM, then SIGKILL after `graceSeconds`; a stopped or missing container is not an error. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** Removes a container, running or not, with its anonymous volumes; a missing one is not an error. */
  removeContainer(id: string): Promise<void>;
  /**
   * Attaches to a created container's stdout and stderr, to be called before
   * it starts: resolves once Docker has attached, so no output is missed.
   * The stream is Docker's multiplexed byte stream (see logs/log-frames.ts)
   * and ends when the container stops. Reading slowly stops the container's
   * output: nothing is buffered beyond the socket.
   */
  attachOutput(id: string): Promise<OutputStream>;
  /** Containers, networks and volumes carrying every one of `labels` ('key' or 'key=value'). */
  listLabelled(labels: string[]): Promise<LabelledResources>;
}

export interface OutputStream extends AsyncIterable<Buffer> {
  /** Stops reading and closes the connection. */
  destroy(): void;
}

export interface RegistryAuth {
  username: string;
  password: string;
}

export interface ContainerSpec {
  name: string;
  image: string;
  /** 'KEY=value' entries. */
  env: string[];
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  user?: string;
  labels: Record<string, string>;
  /** The job network and the names the container answers to on it. */
  network?: { name: string; aliases: string[] };
  /** Docker network mode ('host', 'none', 'container:x'); replaces `network`. */
  networkMode?: string;
  /** 'source:target[:ro]' where source is a volume name or a host path. */
  binds: string[];
  privileged: boolean;
  /** '/dev/x' or '/dev/x:/dev/y[:rwm]'. */
  devices: string[];
  extraHosts: string[];
  /** Bytes; swap is not allowed beyond it. */
  memory?: number;
  cpus?: number;
  shmSize?: number;
}

export interface ContainerState {
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  /** Docker's own message when the container could not run. */
  error?: string;
}

export interface LabelledResources {
  containers: { id: string; name: string; labels: Record<string, string> }[];
  networks: { id: string; name: string; labels: Record<string, string> }[];
  volumes: { name: string; labels: Record<string, string> }[];
}

/** The engine refused or failed a request. `reason` is Docker's own message. */
export class DockerError extends HangarError {
  override readonly name = 'DockerError';
  constructor(
    readonly reason: string,
    readonly statusCode: number | undefined,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(reason, options);
  }
}

/** Adds ':latest' when a reference names neither a tag nor a digest, as `docker pull` does. */
export function withDefaultTag(image: string): string {
  if (image.includes('@')) return image;
  const lastSlash = image.lastIndexOf('/');
  return image.slice(lastSlash + 1).includes(':') ? image : `${image}:latest`;
}

/** The registry host an image reference points at ('docker.io' when it names none). */
export { imageRegistryHost as registryHost } from '../../shared/registry-host.js';
