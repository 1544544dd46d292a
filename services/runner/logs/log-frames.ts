import type { LogStream } from '../../shared/job/events.js';

/**
 * Splits Docker's multiplexed output (a container without a TTY) into its
 * streams: each frame is an 8-byte header (stream: 1 stdout, 2 stderr; 3
 * bytes padding; payload size, big-endian) followed by the payload. Frames
 * may be cut anywhere across chunks; payload bytes are handed on as they
 * arrive (without copying), since line splitting happens per stream later.
 */
export class FrameDecoder {
  private readonly header = Buffer.alloc(8);
  private headerFill = 0;
  private stream: LogStream = 'stdout';
  private remaining = 0;

  push(chunk: Buffer, onData: (stream: LogStream, data: Buffer) => void): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(8 - this.headerFill, chunk.length - pos);
        chunk.copy(this.header, this.headerFill, pos, pos + take);
        this.headerFill += take;
        pos += take;
        if (this.headerFill < 8) return;
        this.headerFill = 0;
        this.stream = this.header[0] === 2 ? 'stderr' : 'stdout';
        this.remaining = this.header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - pos);
      onData(this.stream, chunk.subarray(pos, pos + take));
      pos += take;
      this.remaining -= take;
    }
  }
}
