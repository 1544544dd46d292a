import { z } from 'zod';

/**
 * Value parsers for environment variables. Durations are written as Drone
 * and Go write them ('30s', '1h30m', '500ms') and become milliseconds here,
 * in one place.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 0);
    end = re.lastIndex;
  }
  return end === s.length && end > 0 ? Math.round(total) : undefined;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** '512m', '1GiB', '1073741824' → bytes (Docker's convention: k/m/g are powers of 1024). */
export function parseByteSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.floor(text) : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] ?? '').toLowerCase()];
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit);
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`;
  if (n >= 1024 ** 2) return `${Math.round(n / 1024 ** 2)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} B`;
}

export const duration = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `'${s}' is not a duration; write it like 30s, 5m or 1h30m` });
    return z.NEVER;
  }
  return ms;
});

export const byteSize = z.string().transform((s, ctx) => {
  const n = parseByteSize(s);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `'${s}' is not a size; write it like 512m, 2g or 1073741824` });
    return z.NEVER;
  }
  return n;
});

export const bool = z.string().transform((s, ctx) => {
  const v = s.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  ctx.addIssue({ code: 'custom', message: `'${s}' is not a boolean; write true or false` });
  return z.NEVER;
});

export const int = z.string().transform((s, ctx) => {
  if (!/^\s*-?\d+\s*$/.test(s)) {
    ctx.addIssue({ code: 'custom', message: `'${s}' is not a whole number` });
    return z.NEVER;
  }
  return Number.parseInt(s, 10);
});

export const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0),
);
