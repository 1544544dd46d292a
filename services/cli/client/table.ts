/** Plain-text tables for the client commands' human output. */

export type Cell = string | number | boolean | null | undefined;

/** null and undefined show as '-'; '' stays blank (a cell with nothing to say, as in nested rows). */
function text(c: Cell): string {
  if (c === null || c === undefined) return '-';
  if (typeof c === 'boolean') return c ? 'yes' : 'no';
  return String(c).replace(/\s+/g, ' ');
}

/** Columns padded to their widest cell, separated by two spaces; the header in capitals. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => headers.map((_, i) => text(r[i])))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => Array.from(r[i] ?? '').length)));
  return `${cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - Array.from(c).length)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/** `key: value` lines with the keys aligned. */
export function details(pairs: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return `${pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${text(v)}`).join('\n')}\n`;
}

/** '2024-05-01T10:00:00.000Z' → '2024-05-01 10:00:00'; null → '-'. */
export function when(iso: string | null | undefined): string {
  return iso
    ? iso
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
        .replace(/Z$/, '')
    : '-';
}

/** Duration between two ISO times, like '1m05s'; '-' unless both are set. */
export function took(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return '-';
  const s = Math.max(0, Math.round((Date.parse(end) - Date.parse(start)) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
