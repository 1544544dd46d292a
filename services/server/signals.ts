/**
 * SIGTERM / SIGINT handling for long-running commands: the first signal asks
 * for a graceful stop, a second one for an immediate stop.
 */
export interface StopHandlers {
  graceful: (signal: NodeJS.Signals) => void;
  immediate: (signal: NodeJS.Signals) => void;
}

/** Installs the handlers; returns a function that removes them. */
export function onStopSignals(handlers: StopHandlers): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) handlers.graceful(signal);
    else handlers.immediate(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
