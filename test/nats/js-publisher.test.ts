import { connect, type NatsConnection, RetentionPolicy } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsPublisher } from '../../services/shared/nats/js-publisher.js';
import { type NatsServer, startNatsServer } from '../support/nats-server.js';

let server: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'PUBTEST', subjects: ['pubtest.>'], retention: RetentionPolicy.Limits });
});
afterAll(async () => {
  await nc?.close();
  await server?.dispose();
});

const data = (s: string) => new TextEncoder().encode(s);

async function stored(): Promise<number> {
  const jsm = await nc.jetstreamManager();
  return (await jsm.streams.info('PUBTEST')).state.messages;
}

describe('JetStream publisher', () => {
  it('resolves each publish once its stream stored it, and stores a repeated id once', async () => {
    const pub = new JsPublisher(nc, 5000);
    const before = await stored();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => pub.publish(`pubtest.a`, data(`m${i}`), `id-${i}`)),
    );
    expect(await stored()).toBe(before + 50);
    await pub.publish('pubtest.a', data('again'), 'id-7');
    expect(await stored()).toBe(before + 50);
    pub.close();
  });

  it('says which subject no stream takes', async () => {
    const pub = new JsPublisher(nc, 5000);
    await expect(pub.publish('nowhere.at.all', data('x'), 'n-1')).rejects.toThrow(
      'no JetStream stream takes nowhere.at.all',
    );
    pub.close();
  });

  it('fails a publish that no one answers within its time, and what waits when closed', async () => {
    // A plain subscriber takes the subject and never answers, as a server that lost the request would not.
    const silent = nc.subscribe('silent.subject');
    const pub = new JsPublisher(nc, 300);
    const t0 = Date.now();
    await expect(pub.publish('silent.subject', data('x'), 's-1')).rejects.toThrow(
      'no answer from NATS within 300 ms publishing to silent.subject',
    );
    expect(Date.now() - t0).toBeLessThan(2000);
    const waiting = pub.publish('silent.subject', data('y'), 's-2');
    pub.close();
    await expect(waiting).rejects.toThrow('the connection closed before NATS answered');
    silent.unsubscribe();
  });
});
