/**
 * Who is calling. Runners present DRONE_SECRET or their own token; the bot and
 * the CLI present DRONE_SECRET (a runner's token does not open BuildService).
 * A refusal is UNAUTHENTICATED with a sentence saying what to set, and is
 * logged with the caller's address, never with what it presented.
 */
import { type Metadata, status } from '@grpc/grpc-js';
import { bearerToken, runnerIdOf, secretsEqual } from '../../shared/grpc/auth.js';
import { StatusError } from '../../shared/grpc/status.js';
import type { Logger } from '../../shared/log.js';
import type { CoordinatorMetrics } from '../metrics/coordinator-metrics.js';
import type { Runner, Store } from '../store/index.js';

export type Caller = { kind: 'shared'; runnerId?: number } | { kind: 'runner'; runner: Runner };

interface Call {
  metadata: Metadata;
  getPeer(): string;
}

export class Authenticator {
  /** Runner id → when it last called (ms since the epoch). */
  private readonly seen = new Map<number, number>();

  constructor(
    private readonly secret: string | undefined,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly metrics: CoordinatorMetrics,
  ) {}

  private refuse(call: Call, method: string, reason: string, message: string): never {
    this.metrics.refusedCalls.inc();
    this.log.warn({ method, peer: call.getPeer(), reason }, 'refused a call');
    throw new StatusError(status.UNAUTHENTICATED, message);
  }

  private sharedSecretMatches(token: string): boolean {
    // Compared even when no secret is configured, so timing tells nothing.
    const ok = secretsEqual(this.secret ?? '', token);
    return ok && this.secret !== undefined && this.secret !== '';
  }

  /** A runner call: DRONE_SECRET or the runner's own token. */
  async runner(call: Call, method: string): Promise<Caller> {
    const token = bearerToken(call.metadata);
    if (token === undefined) {
      this.refuse(
        call,
        method,
        'no credentials',
        "the call carries no credentials; send 'authorization: Bearer <DRONE_SECRET>' (set DRONE_SECRET on the runner)",
      );
    }
    if (this.sharedSecretMatches(token)) {
      const runnerId = runnerIdOf(call.metadata);
      if (runnerId !== undefined) this.seen.set(runnerId, Date.now());
      return runnerId === undefined ? { kind: 'shared' } : { kind: 'shared', runnerId };
    }
    const runner = await this.store.runners.authenticate(token);
    if (runner === undefined) {
      this.refuse(
        call,
        method,
        'wrong secret',
        "the secret is wrong; set DRONE_SECRET on the runner to the coordinator's DRONE_SECRET, or use the runner's own token",
      );
    }
    this.seen.set(runner.id, Date.now());
    return { kind: 'runner', runner };
  }

  /** A BuildService call: only DRONE_SECRET. */
  client(call: Call, method: string): void {
    const token = bearerToken(call.metadata);
    if (token === undefined) {
      this.refuse(
        call,
        method,
        'no credentials',
        "the call carries no credentials; send 'authorization: Bearer <DRONE_SECRET>'",
      );
    }
    if (!this.sharedSecretMatches(token)) {
      this.refuse(
        call,
        method,
        'wrong secret',
        "the secret is wrong; use the coordinator's DRONE_SECRET (a runner's own token does not open the build service)",
      );
    }
  }

  /** Notes that a runner is alive (it registered or holds a lease). */
  touch(runnerId: number): void {
    this.seen.set(runnerId, Date.now());
  }

  /** Runners that called within `windowMs`. */
  connected(windowMs: number): number {
    const since = Date.now() - windowMs;
    let n = 0;
    for (const [id, t] of this.seen) {
      if (t >= since) n += 1;
      else this.seen.delete(id);
    }
    return n;
  }
}
