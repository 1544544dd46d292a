/**
 * JetStream publishes whose acknowledgements come back on one inbox
 * subscription, matched by a token in the reply subject, and time out
 * together on one sweep timer: per publish that is one message out, one
 * back and a map entry, where a request through the client library also
 * builds a request object, a timer, a promise pair and an error object
 * (its "cancelled" rejection, made even when the answer came).
 */

import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from 'nats';
import { atEndOfTurn } from './end-of-turn.js';

interface Waiting {
  subject: string;
  sentAt: number;
  resolve(): void;
  reject(err: Error): void;
}

interface PubAckBody {
  stream?: string;
  seq?: number;
  error?: { code?: number; description?: string };
}

const SWEEP_MS = 250;
const decoder = new TextDecoder();

export class JsPublisher {
  private readonly prefix = createInbox();
  private readonly sub: Subscription;
  private readonly waiting = new Map<string, Waiting>();
  private next = 0;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.sub = nc.subscribe(`${this.prefix}.*`, { callback: (_err, m) => this.onAnswer(m) });
  }

  /** Stores `data` on `subject` in its stream; `msgId` makes a repeat a no-op. Resolves once stored. */
  publish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    const token = (++this.next).toString(36);
    const h = headers();
    h.set('Nats-Msg-Id', msgId);
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(token, { subject, sentAt: Date.now(), resolve, reject });
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS);
      atEndOfTurn(() => {
        if (!this.waiting.has(token)) return; // closed meanwhile: already failed
        try {
          this.nc.publish(subject, data, { reply: `${this.prefix}.${token}`, headers: h });
        } catch (err) {
          this.waiting.delete(token);
          reject(err as Error);
        }
      });
    });
  }

  /** Fails what still waits and stops listening. */
  close(): void {
    for (const [token, w] of this.waiting) {
      this.waiting.delete(token);
      w.reject(new Error(`publishing to ${w.subject}: the connection closed before NATS answered`));
    }
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
    if (!this.nc.isClosed()) this.sub.unsubscribe();
  }

  private onAnswer(m: Msg): void {
    const token = m.subject.slice(this.prefix.length + 1);
    const w = this.waiting.get(token);
    if (w === undefined) return;
    this.waiting.delete(token);
    const status = m.headers?.code ?? 0;
    if (status !== 0 && status !== 200) {
      w.reject(
        new Error(
          status === 503
            ? `no JetStream stream takes ${w.subject} (NATS answered 503 no responders)`
            : `NATS refused the publish to ${w.subject}: ${status} ${m.headers?.description ?? ''}`.trim(),
        ),
      );
      return;
    }
    let ack: PubAckBody;
    try {
      ack = JSON.parse(decoder.decode(m.data)) as PubAckBody;
    } catch {
      w.reject(new Error(`NATS answered the publish to ${w.subject} with something that is not JSON`));
      return;
    }
    if (ack.error !== undefined) {
      w.reject(
        new Error(
          `JetStream refused the publish to ${w.subject}: ${ack.error.description ?? ack.error.code}`,
        ),
      );
      return;
    }
    w.resolve();
  }

  private sweep(): void {
    const late = Date.now() - this.timeoutMs;
    for (const [token, w] of this.waiting) {
      if (w.sentAt > late) break; // entries are in sending order
      this.waiting.delete(token);
      w.reject(new Error(`no answer from NATS within ${this.timeoutMs} ms publishing to ${w.subject}`));
    }
    if (this.waiting.size === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
