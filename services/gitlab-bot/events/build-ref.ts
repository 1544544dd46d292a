/**
 * Which build a coordinator event is about. Build, job and step events all
 * name their build (services/coordinator/events.ts: buildId, buildNumber,
 * repoSlug, projectId); the bot needs nothing else from them because it reads
 * the build itself.
 */
export type BuildRef = { buildId: number } | { projectId?: number; slug?: string; number: number };

function int(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

export function buildRefOf(event: unknown): BuildRef | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as Record<string, unknown>;
  const nested =
    typeof e.build === 'object' && e.build !== null ? (e.build as Record<string, unknown>) : undefined;
  const number = int(e.buildNumber) ?? int(nested?.number);
  const projectId = int(e.projectId) ?? int(nested?.projectId);
  if (number !== undefined && projectId !== undefined) return { projectId, number };
  const buildId = int(e.buildId) ?? int(nested?.id);
  if (buildId !== undefined) return { buildId };
  if (number === undefined) return undefined;
  const slug = typeof e.repoSlug === 'string' ? e.repoSlug : typeof e.slug === 'string' ? e.slug : undefined;
  if (projectId === undefined && slug === undefined) return undefined;
  return {
    ...(projectId === undefined ? {} : { projectId }),
    ...(slug === undefined ? {} : { slug }),
    number,
  };
}
