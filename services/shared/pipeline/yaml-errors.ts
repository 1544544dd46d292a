/**
 * YAML syntax errors as one sentence each: what the parser saw, and what to
 * change, with tabs used for indentation named as such.
 */
import type { Position } from './types.js';

/** One sentence for a YAML syntax error: what the parser saw, and what to change. */
export function explainYamlError(code: string, message: string, source: string, pos: Position): string {
  if (/call stack/i.test(message)) {
    return 'lists and mappings are nested too deeply here for the YAML reader; flatten the structure';
  }
  const base = message.replace(/\s+at line \d+, column \d+.*$/s, '').replace(/\.$/, '');
  const lineText = source.split(/\r?\n/)[pos.line - 1] ?? '';
  const lead = /^[ \t]*/.exec(lineText)?.[0] ?? '';
  if (code === 'TAB_AS_INDENT' || lead.includes('\t') || tabIndentBefore(source, pos.line)) {
    const tabLine = lead.includes('\t') ? pos.line : tabIndentBefore(source, pos.line);
    return `invalid YAML: line ${tabLine || pos.line} is indented with a tab; YAML needs spaces for indentation, replace the tabs with spaces`;
  }
  const hint = /end with an? [\]}]/.test(base)
    ? 'close it on this line, or indent the lines that continue it further than its key'
    : (HINTS[code] ?? 'check the indentation and punctuation on this line');
  return `invalid YAML: ${lowerFirst(base)}; ${hint}`;
}

/** The last line at or before `line` whose indentation holds a tab, or 0. */
function tabIndentBefore(source: string, line: number): number {
  const lines = source.split(/\r?\n/);
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const lead = /^[ \t]*/.exec(lines[i] ?? '')?.[0] ?? '';
    if (lead.includes('\t') && (lines[i] ?? '').trim() !== '') return i + 1;
  }
  return 0;
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}

const HINTS: Record<string, string> = {
  BAD_INDENT: 'indent this line to match its siblings',
  MISSING_CHAR: 'add the missing closing character',
  MULTILINE_IMPLICIT_KEY: "keep each 'key:' on one line, or quote the value",
  BLOCK_AS_IMPLICIT_KEY:
    "check the indentation of this line and the next (a line indented under a value continues it, and its ': ' then reads as a nested mapping); quote the value if it contains ': '",
  UNEXPECTED_TOKEN: 'remove or quote the unexpected text',
  BAD_ALIAS: "write an alias as '*name' after an anchor '&name'",
  DUPLICATE_KEY: 'remove one of the keys',
  BAD_SCALAR_START: 'quote the value',
  BAD_DQ_ESCAPE: 'fix the escape sequence or use single quotes',
  MISSING_ANCHOR: 'define the anchor before using it',
  MULTIPLE_ANCHORS: 'give the node one anchor',
  MULTIPLE_TAGS: 'give the node one tag',
  TAG_RESOLVE_FAILED: 'remove the tag or fix the value',
  IMPOSSIBLE: 'check the syntax on this line',
  BAD_DIRECTIVE: 'remove the directive line',
  NON_STRING_KEY: 'write the key as text',
};
