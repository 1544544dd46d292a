import { StringDecoder } from 'node:string_decoder';
import type { SecretMasker } from './masker.js';

/**
 * Turns one output stream's bytes into masked lines. Bytes are decoded as
 * UTF-8 across chunk boundaries, and a line is masked only once it is
 * complete, so a secret split between two chunks is still found. A line
 * longer than `maxLine` is cut into pieces, never inside a secret.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(
    private readonly masker: SecretMasker,
    private readonly maxLine = 64 * 1024,
  ) {}

  /** Appends the complete lines found in `chunk` to `out`. */
  push(chunk: Buffer, out: string[]): void {
    const text = this.rest + this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.emit(text.slice(start, nl), out);
      start = nl + 1;
    }
    this.rest = start === 0 ? text : text.slice(start);
    // Cut only once a secret straddling the cut would be wholly in the buffer.
    while (this.rest.length > this.maxLine + Math.max(0, this.masker.longest - 1)) {
      let cut = this.masker.safeCut(this.rest, this.maxLine);
      if (cut === 0) cut = this.maxLine;
      this.emit(this.rest.slice(0, cut), out);
      this.rest = this.rest.slice(cut);
    }
  }

  /** The stream ended: whatever is left is the last line. */
  end(out: string[]): void {
    const text = this.rest + this.decoder.end();
    this.rest = '';
    if (text !== '') this.emit(text, out);
  }

  private emit(line: string, out: string[]): void {
    out.push(this.masker.empty ? line : this.masker.mask(line));
  }
}
