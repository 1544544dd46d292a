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

/** On the wire, batches stored together travel in one message. */
type Wire = { batches: { seq: number; lines: string[] }[] } | { seq: number; reload: true } | { end: true };

type LiveBus = Pick<Bus, 'publishLogs'>;

function send(bus: LiveBus, stepId: number, msg: Wire): void {
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

/** Batches just stored, in seq order. */
export function publishLines(
  bus: LiveBus,
  stepId: number,
  batches: readonly { seq: number; lines: readonly string[] }[],
): void {
  if (batches.length === 0) return;
  send(bus, stepId, {
    batches: batches.map((b) => ({
      seq: b.seq,
      lines: b.lines.some((l) => l.includes('\0')) ? b.lines.map(asStored) : (b.lines as string[]),
    })),
  });
}

export function publishReload(bus: LiveBus, stepId: number, seq: number): void {
  send(bus, stepId, { seq, reload: true });
}

export function publishStepEnd(bus: LiveBus, stepId: number): void {
  send(bus, stepId, { end: true });
}

/** The messages in what came over NATS; nothing for a message of another shape. */
export function parseLive(msg: unknown): LiveMessage[] {
  if (typeof msg !== 'object' || msg === null) return [];
  const m = msg as Record<string, unknown>;
  if (m.end === true) return [{ end: true }];
  if (typeof m.seq === 'number' && m.reload === true) return [{ seq: m.seq, reload: true }];
  if (!Array.isArray(m.batches)) return [];
  const out: LiveMessage[] = [];
  for (const b of m.batches as unknown[]) {
    const x = b as { seq?: unknown; lines?: unknown };
    if (typeof x.seq === 'number' && Array.isArray(x.lines) && x.lines.every((l) => typeof l === 'string')) {
      out.push({ seq: x.seq, lines: x.lines as string[] });
    }
  }
  return out;
}
