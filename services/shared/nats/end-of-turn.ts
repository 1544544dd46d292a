/**
 * Messages asked for during one turn of the event loop leave together, at the
 * end of the turn. The client library writes to its socket at the end of
 * every run of microtasks, which under load is many small writes per turn
 * (each one waking nats-server); handed over here, the sends of a turn are
 * made in one go, so each connection writes once.
 */
let due: (() => void)[] = [];

/** Runs `send` at the end of this turn. It must catch what it can fail with itself. */
export function atEndOfTurn(send: () => void): void {
  due.push(send);
  if (due.length === 1) setImmediate(sendDue);
}

/** Makes the sends waiting for the end of the turn now (before a flush or a close). */
export function sendDue(): void {
  const now = due;
  due = [];
  for (const send of now) {
    try {
      send();
    } catch {
      // Each send handles its own failure; one that throws anyway must not stop the others.
    }
  }
}
