/**
 * Scanner and parser of github.com/drone/envsubst (parse/scan.go, parse/parse.go),
 * ported rule for rule: the accept functions, scan modes and escape handling
 * decide what Drone reads as a `${...}` expression and what stays text.
 */
import { decodeRune } from './glob.js';

export type Node = { kind: 'text'; value: Buffer } | { kind: 'list'; nodes: Node[] } | FuncNode;

export interface FuncNode {
  kind: 'func';
  /** Offset of its `${` in the original text. */
  offset: number;
  /** Variable name. */
  param: string;
  /** Operator as written: '' (plain), ':-', '=', '#', '##', '/', '//', ',,', ':' ... */
  name: string;
  args: Node[];
}

const EMPTY: Node = { kind: 'text', value: Buffer.alloc(0) };

/** A `${...}` that Drone cannot read; offset is where its `${` starts in the original text. */
export class SubstitutionError extends Error {
  override readonly name = 'SubstitutionError';
  offset = 0;
}

/**
 * Parses UTF-8 text into literal pieces and substitution expressions; throws
 * SubstitutionError, whose offset is a byte offset into text.
 */
export function parse(text: Buffer): Node {
  const parser = new Parser(text);
  try {
    return parser.parseAny();
  } catch (err) {
    if (err instanceof SubstitutionError) err.offset = parser.lastOpen;
    throw err;
  }
}

const BAD_SUBSTITUTION = 'bad substitution';

// ---------------------------------------------------------------- scanner

const EOF = -1;

const Tok = { Illegal: 0, EOF: 1, Ident: 2, Lbrack: 3, Rbrack: 4 } as const;
type Tok = (typeof Tok)[keyof typeof Tok];

const SCAN_IDENT = 1;
const SCAN_LBRACK = 2;
const SCAN_RBRACK = 4;
const SCAN_ESCAPE = 8;

/** Whether a character is accepted; i is its end offset from the token start. */
type Accept = (r: number, i: number) => boolean;

const acceptRune: Accept = () => true;
const acceptIdent: Accept = (r) => r === 0x5f || /[\p{L}\p{Nd}]/u.test(String.fromCodePoint(r));
const acceptColon: Accept = (r) => r === ch(':');
const acceptOneHash: Accept = (r, i) => r === ch('#') && i === 1;
const acceptNotClosing: Accept = (r) => r !== ch('}');
const acceptHashFunc: Accept = (r, i) => r === ch('#') && i < 3;
const acceptPercentFunc: Accept = (r, i) => r === ch('%') && i < 3;
const acceptDefaultFunc: Accept = (r, i) =>
  (i === 1 && r === ch(':')) ||
  (i === 2 && (r === ch('=') || r === ch('-') || r === ch('?') || r === ch('+')));
const acceptReplaceFunc: Accept = (r, i) =>
  (i === 1 && r === ch('/')) || (i === 2 && (r === ch('/') || r === ch('#') || r === ch('%')));
const acceptOneEqual: Accept = (r, i) => i === 1 && r === ch('=');
const acceptOneColon: Accept = (r, i) => i === 1 && r === ch(':');
const rejectColonClose: Accept = (r) => r !== ch(':') && r !== ch('}');
const acceptSlash: Accept = (r) => r === ch('/');
const acceptNotSlash: Accept = (r) => r !== ch('/');
const acceptCasingFunc: Accept = (r, i) => (r === ch(',') || r === ch('^')) && i < 3;

function ch(c: string): number {
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
class Scanner {
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

// ---------------------------------------------------------------- parser

class Parser {
  private readonly s: Scanner;
  /** Offset in the original text of the last `${` opened, for error positions. */
  lastOpen = 0;
  constructor(text: Buffer) {
    this.s = new Scanner(text);
  }

  parseAny(): Node {
    // Iterative form of Go's right-recursive parseAny (long files would
    // otherwise exhaust the stack); builds the same flat sequence.
    const nodes: Node[] = [];
    for (;;) {
      this.s.accept = acceptRune;
      this.s.mode = SCAN_IDENT | SCAN_LBRACK | SCAN_ESCAPE;
      const tok = this.s.scan();
      if (tok === Tok.Ident) {
        nodes.push({ kind: 'text', value: this.s.bytes() });
      } else if (tok === Tok.EOF) {
        break;
      } else if (tok === Tok.Lbrack) {
        this.lastOpen = this.openOffset();
        nodes.push(this.parseFunc());
      } else {
        throw new SubstitutionError(BAD_SUBSTITUTION);
      }
    }
    if (nodes.length === 0) return EMPTY;
    if (nodes.length === 1) return nodes[0] as Node;
    return { kind: 'list', nodes };
  }

  /** Where the token just scanned starts in the original text (escapes removed bytes before it). */
  private openOffset(): number {
    return this.s.start + this.s.buf.removed;
  }

  private parseFunc(): Node {
    const offset = this.openOffset();
    if (this.s.peek() === ch('#')) return this.parseLenFunc(offset);
    this.s.accept = acceptIdent;
    this.s.mode = SCAN_IDENT;
    if (this.s.scan() !== Tok.Ident) throw new SubstitutionError('unable to parse variable name');
    const name = this.s.string();
    const next = this.s.peek();
    if (next === ch(':')) return this.parseDefaultOrSubstr(name, offset);
    if (next === ch('=')) return this.parseDefaultFunc(name, offset);
    if (next === ch(',') || next === ch('^')) return this.parseCasingFunc(name, offset);
    if (next === ch('/')) return this.parseReplaceFunc(name, offset);
    if (next === ch('#')) return this.parseRemoveFunc(name, offset, acceptHashFunc);
    if (next === ch('%')) return this.parseRemoveFunc(name, offset, acceptPercentFunc);
    this.s.accept = acceptIdent;
    this.s.mode = SCAN_RBRACK;
    if (this.s.scan() !== Tok.Rbrack) throw new SubstitutionError('missing closing brace');
    return { kind: 'func', offset, param: name, name: '', args: [] };
  }

  private parseParam(accept: Accept, mode: number): Node {
    this.s.accept = accept;
    this.s.mode = mode | SCAN_LBRACK;
    const tok = this.s.scan();
    if (tok === Tok.Lbrack) return this.parseFunc();
    if (tok === Tok.Ident || tok === Tok.Rbrack) return { kind: 'text', value: this.s.bytes() };
    throw new SubstitutionError('unable to parse substitution within function');
  }

  private parseDefaultOrSubstr(name: string, offset: number): Node {
    this.s.read();
    const r = this.s.peek();
    this.s.unread();
    if (r === ch('=') || r === ch('-') || r === ch('?') || r === ch('+'))
      return this.parseDefaultFunc(name, offset);
    return this.parseSubstrFunc(name, offset);
  }

  private funcName(accept: Accept, message = BAD_SUBSTITUTION): string {
    this.s.accept = accept;
    this.s.mode = SCAN_IDENT;
    if (this.s.scan() !== Tok.Ident) throw new SubstitutionError(message);
    return this.s.string();
  }

  private parseSubstrFunc(param: string, offset: number): Node {
    const node: FuncNode = { kind: 'func', offset, param, name: this.funcName(acceptOneColon), args: [] };
    node.args.push(this.parseParam(rejectColonClose, SCAN_IDENT));
    this.s.accept = acceptColon;
    this.s.mode = SCAN_IDENT | SCAN_RBRACK;
    const tok = this.s.scan();
    if (tok === Tok.Rbrack) return node;
    if (tok !== Tok.Ident) throw new SubstitutionError(BAD_SUBSTITUTION);
    node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT));
    this.consumeRbrack();
    return node;
  }

  private parseRemoveFunc(param: string, offset: number, accept: Accept): Node {
    const node: FuncNode = { kind: 'func', offset, param, name: this.funcName(accept), args: [] };
    node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT));
    this.consumeRbrack();
    return node;
  }

  private parseReplaceFunc(param: string, offset: number): Node {
    const node: FuncNode = { kind: 'func', offset, param, name: this.funcName(acceptReplaceFunc), args: [] };
    node.args.push(this.parseParam(acceptNotSlash, SCAN_IDENT | SCAN_ESCAPE));
    this.funcName(acceptSlash);
    if (this.s.peek() === ch('}')) {
      this.consumeRbrack();
      return node;
    }
    node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT | SCAN_ESCAPE));
    this.consumeRbrack();
    return node;
  }

  private parseDefaultFunc(param: string, offset: number): Node {
    const accept = this.s.peek() === ch('=') ? acceptOneEqual : acceptDefaultFunc;
    const node: FuncNode = {
      kind: 'func',
      offset,
      param,
      name: this.funcName(accept, 'unable to parse default function'),
      args: [],
    };
    while (this.s.peek() !== ch('}')) {
      node.args.push(this.parseParam(acceptNotClosing, SCAN_IDENT));
    }
    this.consumeRbrack();
    return node;
  }

  private parseCasingFunc(param: string, offset: number): Node {
    const node: FuncNode = { kind: 'func', offset, param, name: this.funcName(acceptCasingFunc), args: [] };
    this.consumeRbrack();
    return node;
  }

  private parseLenFunc(offset: number): Node {
    const name = this.funcName(acceptOneHash);
    const param = this.funcName(acceptIdent);
    this.consumeRbrack();
    return { kind: 'func', offset, param, name, args: [] };
  }

  private consumeRbrack(): void {
    this.s.mode = SCAN_RBRACK;
    if (this.s.scan() !== Tok.Rbrack) throw new SubstitutionError(BAD_SUBSTITUTION);
  }
}
