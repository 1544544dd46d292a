/**
 * Replaces secret values in log text with `********`. Multi-line secrets are
 * masked line by line, since logs are split into lines before masking.
 */
export const MASK = '********';

export class SecretMasker {
  /** Longest first, so a secret that contains another is replaced whole. */
  private readonly secrets: string[];

  constructor(values: Iterable<string>) {
    const set = new Set<string>();
    for (const v of values) {
      if (v === '') continue;
      set.add(v);
      if (v.includes('\n')) {
        for (const part of v.split('\n')) {
          const line = part.endsWith('\r') ? part.slice(0, -1) : part;
          if (line.trim() !== '') set.add(line);
        }
      }
    }
    this.secrets = [...set].filter((s) => !s.includes('\n')).sort((a, b) => b.length - a.length);
  }

  /** Length of the longest secret (0 when there are none). */
  get longest(): number {
    return this.secrets[0]?.length ?? 0;
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  mask(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      if (out.includes(s)) out = out.replaceAll(s, MASK);
    }
    return out;
  }

  /**
   * The largest index ≤ `want` where `text` can be cut without splitting an
   * occurrence of a secret, so each half can be masked on its own. Returns
   * `want` when no secret is in the way; 0 when the cut would need to move
   * to the very start.
   */
  safeCut(text: string, want: number): number {
    let cut = want;
    for (let moved = true; moved && cut > 0; ) {
      moved = false;
      for (const s of this.secrets) {
        let from = Math.max(0, cut - s.length + 1);
        for (let i = text.indexOf(s, from); i !== -1 && i < cut; i = text.indexOf(s, from)) {
          if (i + s.length > cut) {
            cut = i;
            moved = true;
            break;
          }
          from = i + 1;
        }
      }
    }
    return cut;
  }
}
