/**
 * Cheap checks on the raw text before the YAML parser sees it. The parser
 * is slow on some shapes no pipeline has (hundreds of thousands of aliases,
 * hundreds of nested brackets, one line of `- - - - ...`): those are refused
 * here, in one pass, with a located sentence.
 */
export const MAX_ALIASES = 10_000;
export const MAX_FLOW_DEPTH = 100;
export const MAX_LINE_INDICATORS = 64;

export interface PrescanProblem {
  offset: number;
  message: string;
}

export function prescan(text: string): PrescanProblem | undefined {
  let aliases = 0;
  let depth = 0;
  let run = 0;
  let prev = '\n';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      run = 0;
      // A line that starts a top-level key cannot be inside a flow collection:
      // forget brackets left open by comments or shell text above it.
      const next = text.charCodeAt(i + 1);
      if ((next >= 0x41 && next <= 0x5a) || (next >= 0x61 && next <= 0x7a)) depth = 0;
    } else if (c === 0x23 /* # */ && isSpace(prev)) {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end - 1;
      continue;
    } else if (c === 0x2a /* * */) {
      if (isBreak(prev) && i + 1 < text.length && !isSpace(text[i + 1]!)) {
        aliases++;
        if (aliases > MAX_ALIASES) {
          return {
            offset: i,
            message: `the file uses more than ${MAX_ALIASES} aliases (*name); no pipeline needs that many, use fewer`,
          };
        }
      }
    } else if (c === 0x5b || c === 0x7b /* [ { */) {
      depth++;
      if (depth > MAX_FLOW_DEPTH) {
        return {
          offset: i,
          message: `lists and mappings are nested more than ${MAX_FLOW_DEPTH} levels deep here; flatten the structure`,
        };
      }
    } else if (c === 0x5d || c === 0x7d /* ] } */) {
      if (depth > 0) depth--;
    } else if (c === 0x2d /* - */ && isBreak(prev) && i + 1 < text.length && isSpace(text[i + 1]!)) {
      run++;
      if (run > MAX_LINE_INDICATORS) {
        return {
          offset: i,
          message: `this line nests more than ${MAX_LINE_INDICATORS} lists ('- - - ...'); flatten the structure`,
        };
      }
    } else if (!isSpace(text[i]!)) {
      run = 0;
    }
    prev = text[i]!;
  }
  return undefined;
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** Characters after which `*` starts an alias and `-` a list item. */
function isBreak(ch: string): boolean {
  return isSpace(ch) || ch === ',' || ch === '[' || ch === '{' || ch === ':';
}
