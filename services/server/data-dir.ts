/**
 * Values `hangar server` makes up once and keeps in its data directory, so a
 * restart finds them again: the runner secret and the key for secrets at rest.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HangarError } from '../shared/errors.js';

export function ensureDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new HangarError(
      `cannot create the data directory ${dir} (${(err as Error).message}); set HANGAR_DATA_DIR to a writable place`,
      { cause: err },
    );
  }
}

/** The value in `dir/file`, made (32 random bytes as hex) and saved readable by the owner only when absent. */
export function keptSecret(dir: string, file: string): string {
  const path = join(dir, file);
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (text !== '') return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new HangarError(
        `cannot read ${path} (${(err as Error).message}); fix its permissions or remove it`,
        {
          cause: err,
        },
      );
    }
  }
  const value = randomBytes(32).toString('hex');
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'w' });
  return value;
}
