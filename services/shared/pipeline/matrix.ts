/**
 * 0.8 `matrix:` expansion, after cncd/pipeline `pipeline/frontend/yaml/matrix/matrix.go`.
 *
 * - `matrix: { include: [ {GO: 1.21, DB: pg}, ... ] }` lists the axes as written
 *   (no limit, as in Drone).
 * - Otherwise the axes are the Cartesian product of the value lists, the first
 *   key varying slowest (Drone's `p / decr % len` order, with keys in the order
 *   they are written rather than Go's random map order).
 *
 * Limits: Drone stops after 25 axes and 10 keys but, through an off-by-one in
 * its loops, still fills 27 axes and 12 keys; a product within those runs there
 * in full. Past them Drone silently drops axes (and values from each axis);
 * Hangar refuses the matrix with a sentence instead, so no job goes missing
 * unnoticed.
 */
import type { MatrixDef } from './types.js';

/** Most axes a product may expand to (Drone's limitAxis 25, plus its off-by-one). */
export const MATRIX_AXIS_LIMIT = 27;
/** Most keys (dimensions) a product may have (Drone's limitTags 10, plus its off-by-one). */
export const MATRIX_KEY_LIMIT = 12;

/** Cartesian product of axes (ordered as written), or the include list; limits as Drone's (cncd/pipeline matrix). */
export function expandMatrix(m: MatrixDef | undefined): Record<string, string>[] | { error: string } {
  if (m === undefined) return [];
  if (m.include !== undefined && m.include.length > 0) {
    return m.include.map((axis) => ({ ...axis }));
  }
  const keys = Object.keys(m.axes);
  if (keys.length === 0) return [];
  if (keys.length > MATRIX_KEY_LIMIT) {
    return {
      error: `matrix has ${keys.length} keys (${keys.join(', ')}); at most ${MATRIX_KEY_LIMIT} are allowed, so remove some or list the combinations under matrix include`,
    };
  }
  const empty = keys.find((key) => (m.axes[key] ?? []).length === 0);
  if (empty !== undefined) {
    return { error: `matrix key ${empty} has no values; give it at least one value or remove it` };
  }
  const total = keys.reduce((product, key) => product * (m.axes[key] as string[]).length, 1);
  if (total > MATRIX_AXIS_LIMIT) {
    return {
      error: `matrix expands to ${total} combinations; at most ${MATRIX_AXIS_LIMIT} are allowed, so remove values or list the combinations you need under matrix include`,
    };
  }
  const axes: Record<string, string>[] = [];
  for (let p = 0; p < total; p++) {
    const axis: Record<string, string> = {};
    let decr = total;
    for (const key of keys) {
      const values = m.axes[key] as string[];
      decr = decr / values.length;
      axis[key] = values[Math.floor(p / decr) % values.length] as string;
    }
    axes.push(axis);
  }
  return axes;
}

/** 'GO_VERSION=1.21 REDIS=6' — how Drone names an axis in logs and the UI. */
export function axisLabel(axis: Record<string, string>): string {
  return Object.entries(axis)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
}
