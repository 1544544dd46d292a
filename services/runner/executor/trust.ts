import { planSpecs } from '../../shared/pipeline/specs.js';
import type { JobPlan, StepSpec } from '../../shared/pipeline/types.js';

/**
 * The run-time half of the trust check (the compiler makes the same one):
 * what only a trusted repository may ask for. Returns one sentence per
 * offending step, keyed by step name.
 */
export function trustViolations(plan: JobPlan): Map<string, string> {
  const out = new Map<string, string>();
  for (const step of planSpecs(plan)) {
    const asks = untrustedAsks(plan, step);
    if (asks.length > 0) {
      out.set(
        step.name,
        `step "${step.name}" asks for ${asks.join(', ')}, which only trusted repositories may use; ` +
          'mark the repository trusted or remove it from the step',
      );
    }
  }
  return out;
}

function untrustedAsks(plan: JobPlan, step: StepSpec): string[] {
  const asks: string[] = [];
  if (step.privileged) asks.push('privileged mode');
  for (const v of step.volumes) {
    const hostPath = v.hostPath ?? (v.name === undefined ? undefined : plan.volumes[v.name]?.hostPath);
    if (hostPath !== undefined) asks.push(`the host volume ${hostPath}`);
  }
  if (step.devices.length > 0)
    asks.push(`the device${step.devices.length > 1 ? 's' : ''} ${step.devices.join(', ')}`);
  if (step.networkMode !== undefined && step.networkMode !== '')
    asks.push(`network_mode ${step.networkMode}`);
  return asks;
}
