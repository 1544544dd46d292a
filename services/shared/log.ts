import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths whose values are never written to a log. */
const REDACT = [
  'token',
  'secret',
  'password',
  'authorization',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
  'headers["x-gitlab-token"]',
  '*.headers["x-gitlab-token"]',
];

export interface LogOptions {
  level?: string;
  name?: string;
  /** Where to write; defaults to stderr so command output on stdout stays clean. */
  destination?: NodeJS.WritableStream;
}

/** The root logger of a process. Components take children of it (`log.child({ job })`). */
export function createLogger(opts: LogOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      ...(opts.name === undefined ? {} : { name: opts.name }),
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    (opts.destination as pino.DestinationStream | undefined) ?? pino.destination(2),
  );
}

/** A logger that drops everything: for tests and for commands that print their own output. */
export const silentLogger: Logger = pino({ level: 'silent' });
