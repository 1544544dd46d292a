/**
 * Pull requests to a JetStream consumer through one inbox subscription that
 * lives as long as the puller, instead of a subscription per request.
 *
 * A request asks for at most `batch` messages without waiting (no_wait). The
 * server answers with the messages it has, then, when it had fewer, a status
 * message (404 No Messages, 408 Request Timeout) that ends the request; a
 * request answered with `batch` messages ends with its last one. So every
 * delivery reaches the request that asked for it: none is dropped because a
 * request was thought over while the server still sent to it (the client
 * library's fetch guesses the end from the pending count and loses messages
 * that arrive after its guess, which then wait for the ack wait).
 *
 * Messages arrive with their stream subject, not the inbox's, so they cannot
 * name their request: requests go one at a time, and a message belongs to the
 * request open when it comes. Status messages do come on the request's own
 * reply subject. A request that gets no answer in time (a server restart lost
 * it, or the server kept it waiting after other requests took what it
 * counted on) ends with what it got, as one that found too few does; a
 * message that comes while no request wants one is handed back at once.
 */

import { createInbox, type Msg, type NatsConnection, type Subscription } from 'nats';
import { atEndOfTurn } from './end-of-turn.js';

/** A message taken from a consumer: acknowledge it or hand it back. */
export interface PulledMessage {
  data: Uint8Array;
  /** How many times the server has delivered this message (1 the first time). */
  delivered: number;
  ack(): void;
  nak(delayMs?: number): void;
}

interface Request {
  token: string;
  want: number;
  got: PulledMessage[];
  timer: NodeJS.Timeout;
  resolve(got: PulledMessage[]): void;
  reject(err: Error): void;
}

const ACK = new TextEncoder().encode('+ACK');
const NAK = new TextEncoder().encode('-NAK');
const encoder = new TextEncoder();

/**
 * The delivery count in an ack subject: `$JS.ACK.<stream>.<consumer>.<delivered>.…`
 * (9 tokens) or, with domain and account, `$JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.…`.
 */
function deliveredCount(reply: string): number {
  const tokens = reply.split('.');
  const at = tokens.length === 9 ? 4 : 6;
  return Number(tokens[at]) || 1;
}

function pulled(m: Msg): PulledMessage {
  const reply = m.reply ?? '';
  return {
    data: m.data,
    delivered: deliveredCount(reply),
    ack: () => m.respond(ACK),
    nak: (delayMs) =>
      m.respond(
        delayMs === undefined || delayMs <= 0
          ? NAK
          : encoder.encode(`-NAK ${JSON.stringify({ delay: delayMs * 1_000_000 })}`),
      ),
  };
}

export class PullInbox {
  private readonly prefix: string;
  private readonly sub: Subscription;
  /** The request being answered; requests go one at a time. */
  private current: Request | undefined;
  /** Settles when the request before the next one has ended. */
  private line: Promise<unknown> = Promise.resolve();
  private next = 0;
  private closed = false;

  constructor(private readonly nc: NatsConnection) {
    this.prefix = createInbox();
    this.sub = nc.subscribe(`${this.prefix}.*`, { callback: (_err, m) => this.onMessage(m) });
  }

  /** At most `batch` messages the consumer holds now; fewer (or none) when it holds fewer. */
  pull(stream: string, durable: string, batch: number, timeoutMs: number): Promise<PulledMessage[]> {
    const turn = this.line.then(() => this.request(stream, durable, batch, timeoutMs));
    this.line = turn.catch(() => {});
    return turn;
  }

  private request(
    stream: string,
    durable: string,
    batch: number,
    timeoutMs: number,
  ): Promise<PulledMessage[]> {
    if (this.closed) return Promise.resolve([]);
    const token = String(++this.next);
    return new Promise((resolve, reject) => {
      const req: Request = {
        token,
        want: batch,
        got: [],
        timer: setTimeout(() => this.end(req), timeoutMs),
        resolve,
        reject,
      };
      this.current = req;
      // Sent with the other messages of this turn (acknowledgements, most often).
      atEndOfTurn(() => {
        if (this.current !== req) return; // ended meanwhile (closed)
        try {
          this.nc.publish(
            `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
            JSON.stringify({ batch, no_wait: true }),
            { reply: `${this.prefix}.${token}` },
          );
        } catch (err) {
          this.end(req, err as Error);
          reject(err as Error);
        }
      });
    });
  }

  /** Ends the open request with what it got; messages that come later are handed back. */
  close(): void {
    this.closed = true;
    if (this.current !== undefined) this.end(this.current);
  }

  private end(req: Request, err?: Error): void {
    clearTimeout(req.timer);
    if (this.current === req) this.current = undefined;
    if (err === undefined) req.resolve(req.got);
    else {
      // The caller gets the error, not these: hand them back.
      for (const m of req.got) m.nak();
      req.reject(err);
    }
  }

  private onMessage(m: Msg): void {
    const req = this.current;
    const status = m.headers?.code ?? 0;
    if (m.reply === undefined || m.reply === '' || status !== 0) {
      // A status on a request's reply subject: the end of a request that got
      // fewer than it asked for, or a refusal. One for a request given up is old news.
      if (req === undefined || m.subject !== `${this.prefix}.${req.token}`) return;
      if (status === 404 || status === 408) this.end(req);
      else
        this.end(
          req,
          new Error(`NATS refused the pull request: ${status} ${m.headers?.description ?? ''}`.trim()),
        );
      return;
    }
    const msg = pulled(m);
    if (req === undefined) {
      msg.nak();
      return;
    }
    req.got.push(msg);
    if (req.got.length >= req.want) this.end(req);
  }

  /** Closes, and stops listening once a request lost in flight could no longer be answered. */
  dispose(afterMs: number): void {
    this.close();
    setTimeout(() => this.sub.unsubscribe(), afterMs).unref();
  }
}
