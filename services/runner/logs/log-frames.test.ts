import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogStream } from '../../shared/job/events.js';
import { cutAt } from './cut-at.test-support.js';
import { FrameDecoder } from './log-frames.js';

function frame(stream: 1 | 2, payload: string): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

function decode(chunks: Buffer[]): Record<LogStream, string> {
  const out: Record<LogStream, string> = { stdout: '', stderr: '' };
  const d = new FrameDecoder();
  for (const c of chunks) d.push(c, (s, data) => (out[s] += data.toString()));
  return out;
}

describe('FrameDecoder', () => {
  it('separates stdout from stderr', () => {
    const buf = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n')]);
    expect(decode([buf])).toEqual({ stdout: 'out 1\nout 2\n', stderr: 'err 1\n' });
  });

  it('reassembles frames cut anywhere, headers included', () => {
    const frames = [frame(1, 'hello '), frame(2, 'oops\n'), frame(1, 'world\n'), frame(1, '')];
    const buf = Buffer.concat(frames);
    fc.assert(
      fc.property(fc.array(fc.nat(buf.length), { maxLength: 10 }), (cuts) => {
        expect(decode(cutAt(buf, cuts))).toEqual({ stdout: 'hello world\n', stderr: 'oops\n' });
      }),
    );
  });
});
