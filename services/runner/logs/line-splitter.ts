import { StringDecoder } from 'node:string_decoder';
import type { SecretMasker } from './masker.js';

/**
 * Turns one output stream's bytes into masked lines. Bytes are decoded as
 * UTF-8 across chunk boundaries, and text is masked only once a secret in
 * it would be complete, so a secret split between two chunks is still
 * found. A line longer than `maxLine` is cut into pieces, never inside a
 * secret, at the same places however the bytes were chunked.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(
    private readonly masker: SecretMasker,
    private readonly maxLine = 64 * 1024,
  ) {}

  /** Appends the complete lines (and pieces of over-long lines) found in `chunk` to `out`. */
  push(chunk: Buffer, out: string[]): void {
    const text = this.rest + this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.emit(text.slice(start, nl), out);
      start = nl + 1;
    }
    this.rest = start === 0 ? text : text.slice(start);
    // A piece is cut off only once any secret straddling the cut is wholly in
    // the buffer; then the cut falls where it would in the complete line.
    while (this.rest.length > this.maxLine + Math.max(0, this.masker.longest - 1)) {
      const cut = this.cutPoint(this.rest);
      out.push(this.mask(this.rest.slice(0, cut)));
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
    let rest = line;
    while (rest.length > this.maxLine) {
      const cut = this.cutPoint(rest);
      out.push(this.mask(rest.slice(0, cut)));
      rest = rest.slice(cut);
    }
    out.push(this.mask(rest));
  }

  private cutPoint(text: string): number {
    const cut = this.masker.safeCut(text, this.maxLine);
    return cut === 0 ? this.maxLine : cut;
  }

  private mask(text: string): string {
    return this.masker.empty ? text : this.masker.mask(text);
  }
}
