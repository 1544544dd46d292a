/**
 * Options only a trusted repository may use, as Drone's linters list them:
 * drone/drone-yaml (1.x) refuses privileged, devices, dns, dns_search,
 * extra_hosts, network_mode, host volumes, in-memory temp volumes and host
 * ports; cncd/pipeline (0.8) refuses privileged, shm_size, dns, dns_search,
 * devices, extra_hosts, network_mode, ipc_mode, networks and any volume.
 */
import type { Diagnostics } from './diagnostics.js';
import type { KeySpots, SpotTable } from './step.js';
import type { PipelineConfig, Position, StepDef } from './types.js';

const FIX = 'remove it, or have an administrator mark the repository as trusted';

export function checkTrust(
  config: PipelineConfig,
  spots: SpotTable,
  hostPorts: Map<StepDef, number[]>,
  diags: Diagnostics,
): void {
  const v08 = config.format === '0.8';
  for (const pipeline of config.pipelines) {
    if (pipeline.type !== 'docker') continue;
    const containers: [string, StepDef][] = [
      ...pipeline.steps.map((s): [string, StepDef] => ['step', s]),
      ...pipeline.services.map((s): [string, StepDef] => ['service', s]),
      ...(pipeline.clone.step ? [['clone step', pipeline.clone.step] as [string, StepDef]] : []),
    ];
    for (const [kind, step] of containers) {
      const at = spots.get(step) ?? {};
      const refuse = (key: string, what: string): void => {
        diags.error(
          place(at, key, step.position),
          `${kind} '${step.name}' ${what}, which only trusted repositories may do; ${FIX}`,
        );
      };
      if (step.privileged) refuse('privileged', "runs privileged ('privileged: true')");
      if (step.devices.length > 0) refuse('devices', 'mounts host devices');
      if (step.extraHosts.length > 0) refuse('extra_hosts', 'sets extra_hosts');
      if (step.networkMode) refuse('network_mode', `sets network_mode '${step.networkMode}'`);
      if (at.dns) refuse('dns', 'sets dns servers');
      if (at.dns_search) refuse('dns_search', 'sets dns_search');
      if ((hostPorts.get(step) ?? []).length > 0) refuse('ports', 'maps a port on the host');
      if (v08) {
        if (step.volumes.length > 0) refuse('volumes', 'mounts volumes');
        if (step.shmSize !== undefined) refuse('shm_size', 'sets shm_size');
        if (at.ipc_mode) refuse('ipc_mode', 'sets ipc_mode');
        if (at.networks) refuse('networks', 'joins other networks');
      }
    }
    const top = spots.get(pipeline) ?? {};
    for (const [name, vol] of Object.entries(pipeline.volumes)) {
      if (vol.hostPath !== undefined) {
        diags.error(
          top[`volume:${name}`] ?? pipeline.position,
          `pipeline '${pipeline.name}' mounts the host path '${vol.hostPath}' (volume '${name}'), which only trusted repositories may do; use 'temp: {}' or have an administrator mark the repository as trusted`,
        );
      }
      const memory = top[`memory:${name}`];
      if (memory) {
        diags.error(
          memory,
          `pipeline '${pipeline.name}' keeps volume '${name}' in memory ('medium: memory'), which only trusted repositories may do; ${FIX}`,
        );
      }
    }
  }
}

function place(at: KeySpots, key: string, fallback: Position): Position {
  return at[key] ?? fallback;
}
