/**
 * Live log fan-out over core NATS (subject hangar.logs.<step id>), so every
 * coordinator replica can serve every viewer. Messages are hints for speed:
 * the store stays the truth, and a viewer that sees a gap, a reload or
 * nothing at all reads the store instead.
 */
import type { Bus } from '../../shared/nats/bus.js';

export type LiveMessage =
  /** A batch as stored: its seq and lines. */
  | { seq: number; lines: string[] }
  /** Batches up to `seq` were stored in a form the viewer must read from the store (e.g. truncated). */
  | { seq: number; reload: true }
  /** The step ended; no more lines will come from this attempt. */
  | { end: true };

type LiveBus = Pick<Bus, 'publishLogs'>;

function send(bus: LiveBus, stepId: number, msg: LiveMessage): void {
  try {
    bus.publishLogs(String(stepId), msg);
  } catch {
    // The connection is closed; viewers fall back to polling the store.
  }
}

/** NUL cannot be stored; the store writes U+FFFD instead, and so must live lines. */
export function asStored(line: string): string {
  return line.includes('\0') ? line.replaceAll('\0', '\uFFFD') : line;
}

export function publishLines(bus: LiveBus, stepId: number, seq: number, lines: readonly string[]): void {
  send(bus, stepId, { seq, lines: lines.map(asStored) });
}

export function publishReload(bus: LiveBus, stepId: number, seq: number): void {
  send(bus, stepId, { seq, reload: true });
}

export function publishStepEnd(bus: LiveBus, stepId: number): void {
  send(bus, stepId, { end: true });
}

export function parseLive(msg: unknown): LiveMessage | undefined {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Record<string, unknown>;
  if (m.end === true) return { end: true };
  if (typeof m.seq !== 'number') return undefined;
  if (m.reload === true) return { seq: m.seq, reload: true };
  if (Array.isArray(m.lines) && m.lines.every((l) => typeof l === 'string')) {
    return { seq: m.seq, lines: m.lines as string[] };
  }
  return undefined;
}
