import type { ContainerSpec } from '../docker/engine.js';
import { dockerSafe, type JobContext } from './context.js';
import type { Unit } from './job-state.js';
import { LABEL_STEP } from './options.js';
import { commandScript, SCRIPT_COMMAND, SCRIPT_ENTRYPOINT, SCRIPT_ENV } from './script.js';

/** The key under which JobContext.volumes holds the Docker volume for a step's volume mount. */
export function volumeKey(mount: { name?: string; temp?: boolean; target: string }): string | undefined {
  if (mount.name !== undefined) return `name:${mount.name}`;
  if (mount.temp) return `temp:${mount.target}`;
  return undefined;
}

/** The Docker container for one step, service or clone step of the job. */
export function containerSpec(ctx: JobContext, unit: Unit): ContainerSpec {
  const { spec } = unit;
  const ws = ctx.plan.workspace;
  const env: Record<string, string> = { ...ctx.plan.environment, ...spec.environment };
  for (const ref of spec.secrets) {
    const value = ctx.opts.secrets?.[ref.source];
    if (value === undefined) {
      ctx.log.warn({ step: spec.name, secret: ref.source }, 'secret not provided');
      continue;
    }
    env[ref.target] = value;
  }
  Object.assign(env, unit.extraEnv);

  const out: ContainerSpec = {
    name: ctx.containerName(unit),
    image: spec.image,
    env: [],
    labels: { ...ctx.labels, [LABEL_STEP]: spec.name },
    binds: [],
    privileged: spec.privileged,
    devices: spec.devices,
    extraHosts: spec.extraHosts,
  };

  const scripted = spec.commands.length > 0 || env[SCRIPT_ENV] !== undefined;
  if (spec.commands.length > 0) env[SCRIPT_ENV] = commandScript(spec.commands);
  if (scripted) {
    out.entrypoint = SCRIPT_ENTRYPOINT;
    out.cmd = SCRIPT_COMMAND;
  } else {
    if (spec.entrypoint !== undefined) out.entrypoint = spec.entrypoint;
    if (spec.command !== undefined) out.cmd = spec.command;
  }
  out.env = Object.entries(env).map(([k, v]) => `${k}=${v}`);

  const workingDir = spec.workingDir ?? (unit.kind === 'service' && !scripted ? undefined : ws.dir);
  if (workingDir !== undefined && workingDir !== '') out.workingDir = workingDir;
  if (spec.user !== undefined && spec.user !== '') out.user = spec.user;

  if (ctx.opts.workspaceHostDir !== undefined) {
    out.binds.push(`${ctx.opts.workspaceHostDir}:${ws.dir}`);
  } else {
    const volume = ctx.volumes.get('');
    if (volume !== undefined) out.binds.push(`${volume}:${ws.base}`);
  }
  for (const mount of spec.volumes) {
    const key = volumeKey(mount);
    const source =
      mount.hostPath ??
      (mount.name === undefined ? undefined : ctx.plan.volumes[mount.name]?.hostPath) ??
      (key === undefined ? undefined : ctx.volumes.get(key));
    if (source === undefined) {
      ctx.log.warn({ step: spec.name, target: mount.target }, 'volume without a source ignored');
      continue;
    }
    out.binds.push(`${source}:${mount.target}${mount.readOnly ? ':ro' : ''}`);
  }

  if (spec.networkMode !== undefined && spec.networkMode !== '') out.networkMode = spec.networkMode;
  else if (ctx.sandbox?.members.has(spec.name) && unit.kind !== 'service')
    out.networkMode = `container:${ctx.sandbox.id}`;
  else out.network = { name: ctx.networkName, aliases: [networkAlias(spec.name)] };

  const memory = spec.memLimit ?? ctx.opts.memLimit;
  if (memory !== undefined) out.memory = memory;
  if (spec.cpus !== undefined) out.cpus = spec.cpus;
  if (spec.shmSize !== undefined) out.shmSize = spec.shmSize;
  return out;
}

/** Steps and services answer to their name on the job network, made DNS-safe when it is not. */
export function networkAlias(name: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) ? name : dockerSafe(name);
}
