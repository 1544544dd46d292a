/**
 * Finds `/hangar VERB [ARGS]` commands in a merge-request comment. A command
 * is a line of its own that starts with `/hangar` (up to three spaces of
 * indentation, as Markdown renders them alike). Lines in fenced code blocks,
 * indented code, quotes (`>` and GitLab's `>>>` blocks) and HTML comments are
 * text about commands, not commands, and are skipped.
 */

export interface ParsedCommand {
  /** The verb, lower-cased; '' for a bare `/hangar`. */
  name: string;
  /** Words after the verb, as written. */
  args: string[];
  /** 1-based line of the comment the command is on. */
  line: number;
  /** The command as written, trimmed. */
  text: string;
}

/** At most this many commands are taken from one comment; the rest are ignored. */
export const MAX_COMMANDS_PER_NOTE = 10;

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const QUOTE = /^ {0,3}>/;
const GITLAB_QUOTE = /^ {0,3}>>>/;
const HTML_COMMENT_OPEN = /^ {0,3}<!--/;

interface Fence {
  char: string;
  length: number;
}

function closesFence(line: string, fence: Fence): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  const marker = m?.[1];
  return marker !== undefined && marker[0] === fence.char && marker.length >= fence.length;
}

function openFence(line: string): Fence | undefined {
  const m = FENCE_OPEN.exec(line);
  const marker = m?.[1];
  if (marker === undefined) return undefined;
  // A backtick fence's info string may not hold a backtick (CommonMark), so "```x```" is inline code.
  if (marker[0] === '`' && (m?.[2] ?? '').includes('`')) return undefined;
  return { char: marker[0] ?? '`', length: marker.length };
}

function commandOn(line: string, prefix: string): { name: string; args: string[]; text: string } | undefined {
  const m = /^ {0,3}\/(\S+)(.*)$/.exec(line);
  if (!m || (m[1] ?? '').toLowerCase() !== prefix) return undefined;
  const rest = m[2] ?? '';
  // `/hangarfoo` is another command; the prefix must end at whitespace or the line's end.
  if (rest !== '' && !/^\s/.test(rest)) return undefined;
  const words = rest
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const [verb = '', ...args] = words;
  return { name: verb.toLowerCase(), args, text: line.trim() };
}

/** The commands of a comment, in order, each (verb and arguments) once. */
export function parseCommands(body: string, prefix = 'hangar'): ParsedCommand[] {
  const lines = body.split(/\r\n|\n|\r/);
  const found: ParsedCommand[] = [];
  const seen = new Set<string>();
  let fence: Fence | undefined;
  let inGitLabQuote = false;
  let inHtmlComment = false;
  const wanted = prefix.toLowerCase();

  for (const [i, line] of lines.entries()) {
    if (fence) {
      if (closesFence(line, fence)) fence = undefined;
      continue;
    }
    if (inGitLabQuote) {
      if (GITLAB_QUOTE.test(line)) inGitLabQuote = false;
      continue;
    }
    if (inHtmlComment) {
      if (line.includes('-->')) inHtmlComment = false;
      continue;
    }
    const opened = openFence(line);
    if (opened) {
      fence = opened;
      continue;
    }
    if (GITLAB_QUOTE.test(line) && /^ {0,3}>>>[ \t]*$/.test(line)) {
      inGitLabQuote = true;
      continue;
    }
    if (HTML_COMMENT_OPEN.test(line)) {
      if (!line.slice(line.indexOf('<!--') + 4).includes('-->')) inHtmlComment = true;
      continue;
    }
    if (QUOTE.test(line)) continue;
    const cmd = commandOn(line, wanted);
    if (!cmd) continue;
    const key = [cmd.name, ...cmd.args].join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ ...cmd, line: i + 1 });
    if (found.length === MAX_COMMANDS_PER_NOTE) break;
  }
  return found;
}
