/**
 * The parser of github.com/drone/envsubst (parse/parse.go), ported rule for
 * rule: which `${...}` forms Drone reads, and which it refuses.
 */
import {
  type Accept,
  acceptCasingFunc,
  acceptColon,
  acceptDefaultFunc,
  acceptHashFunc,
  acceptIdent,
  acceptNotClosing,
  acceptNotSlash,
  acceptOneColon,
  acceptOneEqual,
  acceptOneHash,
  acceptPercentFunc,
  acceptReplaceFunc,
  acceptRune,
  acceptSlash,
  ch,
  rejectColonClose,
  SCAN_ESCAPE,
  SCAN_IDENT,
  SCAN_LBRACK,
  SCAN_RBRACK,
  Scanner,
  Tok,
} from './envsubst-scan.js';

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
