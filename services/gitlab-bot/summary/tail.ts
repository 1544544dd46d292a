import type { BuildCalls } from '../api/build-service.js';

/**
 * The last `n` lines of a step's stored log, read through TailLog without
 * follow. Only `n` lines are kept while reading, however long the log.
 */
export async function lastLines(
  builds: Pick<BuildCalls, 'tailLog'>,
  at: { projectId: number; buildNumber: number; jobNumber: number; step: string },
  n = 20,
): Promise<string[]> {
  const ring: string[] = [];
  for await (const chunk of builds.tailLog({
    repo: { projectId: at.projectId },
    buildNumber: at.buildNumber,
    jobNumber: at.jobNumber,
    step: at.step,
    afterSeq: 0,
    follow: false,
  })) {
    for (const raw of chunk.lines) {
      // A batch may carry several lines in one string.
      for (const line of raw.replace(/\n$/, '').split('\n')) {
        ring.push(line);
        if (ring.length > n) ring.shift();
      }
    }
    if (chunk.eof) break;
  }
  return ring;
}
