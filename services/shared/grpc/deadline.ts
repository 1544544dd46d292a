/**
 * Every gRPC call Hangar makes carries a deadline. These helpers give the
 * one place where the defaults live.
 */
import type { CallOptions } from '@grpc/grpc-js';

/** Unary calls: long enough for a busy database, short enough to notice a dead peer. */
export const DEFAULT_DEADLINE_MS = 10_000;

/** An absolute deadline `ms` from now. */
export function deadlineIn(ms: number = DEFAULT_DEADLINE_MS): Date {
  return new Date(Date.now() + ms);
}

/** Call options with a deadline `ms` from now. */
export function withDeadline(ms: number = DEFAULT_DEADLINE_MS): CallOptions {
  return { deadline: deadlineIn(ms) };
}
