/**
 * Go's utf8.DecodeRune over bytes, for the ports of Go's matchers and of
 * Drone's envsubst scanner, which count in bytes as Go does.
 */

export const RUNE_ERROR = 0xfffd;

/** Go's utf8.DecodeRune: [rune, width]; an invalid or missing byte is U+FFFD of width 1 (0 at the end). */
export function decodeRune(b: Uint8Array, i: number): [number, number] {
  if (i >= b.length) return [RUNE_ERROR, 0];
  const b0 = b[i] as number;
  if (b0 < 0x80) return [b0, 1];
  const need = b0 >= 0xf0 && b0 <= 0xf4 ? 4 : b0 >= 0xe0 ? 3 : b0 >= 0xc2 && b0 <= 0xdf ? 2 : 0;
  if (need === 0 || i + need > b.length) return [RUNE_ERROR, 1];
  let r = b0 & (need === 2 ? 0x1f : need === 3 ? 0x0f : 0x07);
  for (let k = 1; k < need; k++) {
    const c = b[i + k] as number;
    if ((c & 0xc0) !== 0x80) return [RUNE_ERROR, 1];
    r = (r << 6) | (c & 0x3f);
  }
  const min = need === 2 ? 0x80 : need === 3 ? 0x800 : 0x10000;
  if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return [RUNE_ERROR, 1];
  return [r, need];
}
