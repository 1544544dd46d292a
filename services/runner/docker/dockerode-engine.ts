import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import {
  type ContainerSpec,
  type ContainerState,
  type DockerEngine,
  DockerError,
  type LabelledResources,
  type OutputStream,
  type RegistryAuth,
  registryHost,
  withDefaultTag,
} from './engine.js';

/**
 * The Docker adapter: the only module that imports dockerode. Every failure
 * leaves here as a DockerError carrying Docker's own message.
 */
export interface DockerConnection {
  /** DOCKER_HOST: 'unix:///var/run/docker.sock', 'tcp://host:2376', 'ssh://user@host'. */
  host?: string;
  /** DOCKER_TLS_VERIFY. */
  tlsVerify?: boolean;
  /** DOCKER_CERT_PATH: directory with ca.pem, cert.pem, key.pem. */
  certPath?: string;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

export function connectDocker(conn: DockerConnection = {}): DockerEngine {
  return new DockerodeEngine(conn);
}

function dockerOptions(conn: DockerConnection): { options: Docker.DockerOptions; address: string } {
  const host = conn.host?.trim() ?? '';
  if (host === '' || host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length) || DEFAULT_SOCKET;
    return { options: { socketPath }, address: `unix://${socketPath}` };
  }
  const url = new URL(host.includes('://') ? host : `tcp://${host}`);
  if (url.protocol === 'ssh:') {
    return {
      options: { protocol: 'ssh', host: url.hostname, port: url.port || 22, username: url.username },
      address: host,
    };
  }
  const tls = conn.tlsVerify === true || conn.certPath !== undefined || url.port === '2376';
  const options: Docker.DockerOptions = {
    protocol: tls ? 'https' : 'http',
    host: url.hostname,
    port: url.port || (tls ? 2376 : 2375),
  };
  if (conn.certPath !== undefined) {
    options.ca = readFileSync(join(conn.certPath, 'ca.pem'));
    options.cert = readFileSync(join(conn.certPath, 'cert.pem'));
    options.key = readFileSync(join(conn.certPath, 'key.pem'));
  }
  return { options, address: host };
}

class DockerodeEngine implements DockerEngine {
  readonly address: string;
  private readonly docker: Docker;

  constructor(conn: DockerConnection) {
    const { options, address } = dockerOptions(conn);
    this.address = address;
    this.docker = new Docker(options);
  }

  async ping(): Promise<void> {
    await this.call(() => this.docker.ping());
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await this.call(() => this.docker.getImage(image).inspect());
      return true;
    } catch (err) {
      if (err instanceof DockerError && err.statusCode === 404) return false;
      throw err;
    }
  }

  async pullImage(image: string, auth: RegistryAuth | undefined, signal?: AbortSignal): Promise<void> {
    const opts: Record<string, unknown> = { abortSignal: signal };
    if (auth) opts.authconfig = { ...auth, serveraddress: registryHost(image) };
    const stream = (await this.call(() =>
      this.docker.pull(withDefaultTag(image), opts),
    )) as AsyncIterable<Buffer>;
    let failure: string | undefined;
    let rest = '';
    try {
      for await (const chunk of stream) {
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) failure ??= progressError(line);
      }
    } catch (err) {
      throw toDockerError(err, this.address);
    }
    failure ??= progressError(rest);
    if (failure !== undefined) throw new DockerError(failure, undefined);
  }

  async createNetwork(name: string, labels: Record<string, string>): Promise<string> {
    const net = await this.call(() =>
      this.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true }),
    );
    return net.id;
  }

  async removeNetwork(id: string): Promise<void> {
    await this.ignoreMissing(() => this.docker.getNetwork(id).remove());
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<string> {
    await this.call(() => this.docker.createVolume({ Name: name, Labels: labels }));
    return name;
  }

  async removeVolume(name: string): Promise<void> {
    await this.ignoreMissing(() => this.docker.getVolume(name).remove({ force: true }));
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const hostConfig: Docker.HostConfig = {
      NetworkMode: spec.networkMode ?? spec.network?.name ?? 'bridge',
      Binds: spec.binds,
      Privileged: spec.privileged,
      Devices: spec.devices.map(deviceMapping),
      ExtraHosts: spec.extraHosts,
    };
    if (spec.memory !== undefined) {
      hostConfig.Memory = spec.memory;
      hostConfig.MemorySwap = spec.memory;
    }
    if (spec.cpus !== undefined) hostConfig.NanoCpus = Math.round(spec.cpus * 1e9);
    if (spec.shmSize !== undefined) hostConfig.ShmSize = spec.shmSize;
    const options: Docker.ContainerCreateOptions = {
      name: spec.name,
      Image: spec.image,
      Env: spec.env,
      Labels: spec.labels,
      Tty: false,
      HostConfig: hostConfig,
    };
    if (spec.entrypoint !== undefined) options.Entrypoint = spec.entrypoint;
    if (spec.cmd !== undefined) options.Cmd = spec.cmd;
    if (spec.workingDir !== undefined) options.WorkingDir = spec.workingDir;
    if (spec.user !== undefined) options.User = spec.user;
    if (spec.network && spec.networkMode === undefined) {
      options.NetworkingConfig = {
        EndpointsConfig: { [spec.network.name]: { Aliases: spec.network.aliases } },
      };
    }
    const container = await this.call(() => this.docker.createContainer(options));
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    await this.call(() => this.docker.getContainer(id).start());
  }

  async waitContainer(id: string): Promise<number> {
    const res = (await this.call(() => this.docker.getContainer(id).wait())) as { StatusCode?: number };
    return res.StatusCode ?? -1;
  }

  async inspectContainer(id: string): Promise<ContainerState> {
    const info = await this.call(() => this.docker.getContainer(id).inspect());
    const state: ContainerState = {
      running: info.State.Running,
      exitCode: info.State.ExitCode,
      oomKilled: info.State.OOMKilled,
    };
    if (info.State.Error) state.error = info.State.Error;
    return state;
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.call(() => this.docker.getContainer(id).stop({ t: graceSeconds }));
    } catch (err) {
      if (err instanceof DockerError && (err.statusCode === 304 || err.statusCode === 404)) return;
      throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    await this.ignoreMissing(() => this.docker.getContainer(id).remove({ force: true, v: true }));
  }

  async attachOutput(id: string): Promise<OutputStream> {
    const stream = await this.call(() =>
      this.docker.getContainer(id).attach({ stream: true, stdout: true, stderr: true }),
    );
    return stream as unknown as OutputStream;
  }

  async listLabelled(labels: string[]): Promise<LabelledResources> {
    const filters = { label: labels };
    const [containers, networks, volumes] = await Promise.all([
      this.call(() => this.docker.listContainers({ all: true, filters })),
      this.call(() => this.docker.listNetworks({ filters })),
      this.call(() => this.docker.listVolumes({ filters })),
    ]);
    return {
      containers: containers.map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        labels: c.Labels ?? {},
      })),
      networks: networks.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} })),
      volumes: (volumes.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} })),
    };
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toDockerError(err, this.address);
    }
  }

  private async ignoreMissing(fn: () => Promise<unknown>): Promise<void> {
    try {
      await this.call(fn);
    } catch (err) {
      if (err instanceof DockerError && err.statusCode === 404) return;
      throw err;
    }
  }
}

function deviceMapping(device: string): Docker.DeviceMapping {
  const [host = device, inside = host, perms = 'rwm'] = device.split(':');
  return { PathOnHost: host, PathInContainer: inside, CgroupPermissions: perms };
}

function progressError(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  try {
    const obj = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
    return obj.errorDetail?.message ?? obj.error;
  } catch {
    return undefined;
  }
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

function toDockerError(err: unknown, address: string): DockerError {
  if (err instanceof DockerError) return err;
  const e = err as { statusCode?: number; json?: unknown; message?: string; code?: string; name?: string };
  if (e.name === 'AbortError') return new DockerError('the request was cancelled', undefined, { cause: err });
  if (e.code !== undefined && UNREACHABLE.has(e.code)) {
    return new DockerError(
      `cannot reach the Docker engine at ${address} (${e.code}); start Docker or set DOCKER_HOST`,
      undefined,
      { cause: err, retryable: true },
    );
  }
  const fromJson =
    typeof e.json === 'object' && e.json !== null && 'message' in e.json ? String(e.json.message) : undefined;
  const raw = fromJson ?? e.message ?? String(err);
  const reason = raw.replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
  return new DockerError(reason, e.statusCode, { cause: err });
}
