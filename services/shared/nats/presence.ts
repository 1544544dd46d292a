/**
 * Which runners are reading the work queue now, and with which labels. A
 * runner that pulls jobs says so on core NATS every few seconds, at once when
 * the coordinator asks (after its own start), and once more when it stops
 * pulling. An idle runner calls the coordinator for nothing, so this is how
 * the coordinator tells a runner that is there from one that went away.
 */
import { JSONCodec, type NatsConnection } from 'nats';

export const PRESENCE_SUBJECT = 'hangar.runners.presence';
export const ANNOUNCE_SUBJECT = 'hangar.runners.announce';
/** How often a pulling runner says it is there. */
export const PRESENCE_EVERY_MS = 10_000;

export interface RunnerPresence {
  /** One per runner process (stable across reconnects to NATS). */
  instance: string;
  name: string;
  pool: string;
  labels: Record<string, string>;
  /** Whether it reads a subject per label set (false: only its pool's subject). */
  routed: boolean;
  /** Sent once when it stops pulling. */
  leaving?: boolean;
}

const jc = JSONCodec();

/** Says `presence` now, every `everyMs`, and whenever asked; stop() says it is leaving. */
export function startBeacon(
  nc: NatsConnection,
  presence: RunnerPresence,
  everyMs = PRESENCE_EVERY_MS,
): { stop(): void } {
  const say = (p: RunnerPresence) => {
    if (!nc.isClosed()) nc.publish(PRESENCE_SUBJECT, jc.encode(p));
  };
  say(presence);
  const timer = setInterval(() => say(presence), everyMs);
  timer.unref();
  const asked = nc.subscribe(ANNOUNCE_SUBJECT, { callback: () => say(presence) });
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      asked.unsubscribe();
      say({ ...presence, leaving: true });
    },
  };
}
