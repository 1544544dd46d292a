/**
 * The scanner of github.com/drone/envsubst (parse/scan.go), ported rule for
 * rule on UTF-8 bytes: token kinds, scan modes, accept functions and escapes.
 */
import { decodeRune } from './utf8.js';

export const EOF = -1;

export const Tok = { Illegal: 0, EOF: 1, Ident: 2, Lbrack: 3, Rbrack: 4 } as const;
export type Tok = (typeof Tok)[keyof typeof Tok];

export const SCAN_IDENT = 1;
export const SCAN_LBRACK = 2;
export const SCAN_RBRACK = 4;
export const SCAN_ESCAPE = 8;

/** Whether a character is accepted; i is its end offset from the token start. */
export type Accept = (r: number, i: number) => boolean;

export const acceptRune: Accept = () => true;
export const acceptIdent: Accept = (r) => r === 0x5f || /[\p{L}\p{Nd}]/u.test(String.fromCodePoint(r));
export const acceptColon: Accept = (r) => r === ch(':');
export const acceptOneHash: Accept = (r, i) => r === ch('#') && i === 1;
export const acceptNotClosing: Accept = (r) => r !== ch('}');
export const acceptHashFunc: Accept = (r, i) => r === ch('#') && i < 3;
export const acceptPercentFunc: Accept = (r, i) => r === ch('%') && i < 3;
export const acceptDefaultFunc: Accept = (r, i) =>
  (i === 1 && r === ch(':')) ||
  (i === 2 && (r === ch('=') || r === ch('-') || r === ch('?') || r === ch('+')));
export const acceptReplaceFunc: Accept = (r, i) =>
  (i === 1 && r === ch('/')) || (i === 2 && (r === ch('/') || r === ch('#') || r === ch('%')));
export const acceptOneEqual: Accept = (r, i) => i === 1 && r === ch('=');
export const acceptOneColon: Accept = (r, i) => i === 1 && r === ch(':');
export const rejectColonClose: Accept = (r) => r !== ch(':') && r !== ch('}');
export const acceptSlash: Accept = (r) => r === ch('/');
export const acceptNotSlash: Accept = (r) => r !== ch('/');
export const acceptCasingFunc: Accept = (r, i) => (r === ch(',') || r === ch('^')) && i < 3;

export function ch(c: string): number {
  return c.charCodeAt(0);
}

/**
 * The scanner's byte buffer. Go's scanner deletes an escape byte by rebuilding
 * its string; here bytes move from the source into a compacted front part as
 * the scanner reaches them, so a deletion (always just behind the read
 * position) only shifts the few bytes read ahead: linear time for any input.
 */
class ByteBuffer {
  private data: Uint8Array;
  private len = 0;
  private srcPos = 0;
  /** Bytes deleted so far. */
  removed = 0;

  constructor(private readonly src: Uint8Array) {
    this.data = new Uint8Array(Math.min(src.length, 1024) + 8);
  }

  /** Logical length. */
  get length(): number {
    return this.len + (this.src.length - this.srcPos);
  }

  /** Makes the first n logical bytes (or all there are) available in `data`. */
  private fill(n: number): void {
    if (n <= this.len || this.srcPos >= this.src.length) return;
    const want = Math.min(n - this.len, this.src.length - this.srcPos);
    if (this.len + want > this.data.length) {
      const grown = new Uint8Array(Math.max(this.data.length * 2, this.len + want));
      grown.set(this.data.subarray(0, this.len));
      this.data = grown;
    }
    this.data.set(this.src.subarray(this.srcPos, this.srcPos + want), this.len);
    this.len += want;
    this.srcPos += want;
  }

  /** Width in bytes of the rune the last decode read. */
  width = 0;

  /** The rune at logical index i (i < length); its width goes to `width`. */
  decode(i: number): number {
    if (i + 4 > this.len) this.fill(i + 4);
    const b = this.data[i] as number;
    if (b < 0x80) {
      this.width = 1;
      return b;
    }
    const [r, w] = decodeRune(this.data.subarray(0, this.len), i);
    this.width = w;
    return r;
  }

  remove(i: number): void {
    this.fill(i + 1);
    this.data.copyWithin(i, i + 1, this.len);
    this.len--;
    this.removed++;
  }

  slice(from: number, to: number): Buffer {
    this.fill(to);
    return Buffer.from(this.data.subarray(from, to));
  }
}

/**
 * Works on UTF-8 bytes, as Go's scanner does: widths, offsets and the
 * accept functions' positions are byte counts, which decides some corner cases.
 */
export class Scanner {
  readonly buf: ByteBuffer;
  pos = 0;
  start = 0;
  width = 0;
  mode = 0;
  accept: Accept = acceptRune;

  constructor(text: Buffer) {
    this.buf = new ByteBuffer(text);
  }

  read(): number {
    if (this.pos >= this.buf.length) {
      this.width = 0;
      return EOF;
    }
    const r = this.buf.decode(this.pos);
    this.width = this.buf.width;
    this.pos += this.width;
    return r;
  }

  unread(): void {
    this.pos -= this.width;
  }

  /** Removes the byte just read from the buffer (it was an escape). */
  skip(): void {
    this.buf.remove(this.pos - 1);
  }

  peek(): number {
    const r = this.read();
    this.unread();
    return r;
  }

  bytes(): Buffer {
    return this.buf.slice(this.start, this.pos);
  }

  string(): string {
    return this.bytes().toString('utf8');
  }

  scan(): Tok {
    this.start = this.pos;
    const r = this.read();
    if (r === EOF) return Tok.EOF;
    if (this.scanLbrack(r)) return Tok.Lbrack;
    if (this.scanRbrack(r)) return Tok.Rbrack;
    if (this.scanIdent(r)) return Tok.Ident;
    return Tok.Illegal;
  }

  private scanIdent(first: number): boolean {
    if ((this.mode & SCAN_IDENT) === 0) return false;
    if (this.scanEscaped(first)) this.skip();
    else if (!this.accept(first, this.pos - this.start)) return false;
    for (;;) {
      const r = this.read();
      if (r === EOF) {
        this.unread();
        break;
      }
      if (this.scanLbrack(r)) {
        this.unread();
        this.unread();
        break;
      }
      if (this.scanEscaped(r)) {
        this.skip();
        continue;
      }
      if (!this.accept(r, this.pos - this.start)) {
        this.unread();
        break;
      }
    }
    return true;
  }

  private scanLbrack(r: number): boolean {
    if ((this.mode & SCAN_LBRACK) === 0) return false;
    if (r === ch('$')) {
      if (this.read() === ch('{')) return true;
      this.unread();
    }
    return false;
  }

  private scanRbrack(r: number): boolean {
    if ((this.mode & SCAN_RBRACK) === 0) return false;
    return r === ch('}');
  }

  private scanEscaped(r: number): boolean {
    if ((this.mode & SCAN_ESCAPE) === 0) return false;
    if (r === ch('$') && this.peek() === ch('$')) return true;
    if (r !== ch('\\')) return false;
    const next = this.peek();
    return next === ch('/') || next === ch('\\');
  }
}
