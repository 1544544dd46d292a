import type { StoreContext } from './context.js';
import { num, str } from './rows.js';
import { sealer } from './sealed.js';
import type { Registry, RegistryInput, RegistryWithPassword } from './types.js';

export interface RegistryStore {
  /** Creates or replaces the credentials for a registry host; the password is encrypted. */
  set(repoId: number, input: RegistryInput): Promise<Registry>;
  /** Without passwords. */
  list(repoId: number): Promise<Registry[]>;
  remove(repoId: number, address: string): Promise<boolean>;
  /** With passwords decrypted, for image pulls of a job. */
  credentials(repoId: number): Promise<RegistryWithPassword[]>;
}

function toRegistry(r: Record<string, unknown>): Registry {
  return {
    id: num(r.id),
    repoId: num(r.repo_id),
    address: str(r.address),
    username: str(r.username),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function registryStore(ctx: StoreContext): RegistryStore {
  const { db, now } = ctx;
  const sealed = sealer(ctx, 'registry');
  return {
    async set(repoId, input) {
      const address = input.address.trim();
      if (address === '' || /\s|\//.test(address)) {
        throw new RangeError(
          `registry address '${input.address}' is not valid; give the host, e.g. registry.example.com:5000`,
        );
      }
      const t = now();
      const row = await db.get<Record<string, unknown>>(
        `INSERT INTO registries (repo_id, address, username, password, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (repo_id, address) DO UPDATE SET username = excluded.username, password = excluded.password,
           updated_at = excluded.updated_at
         RETURNING *`,
        [repoId, address, input.username, sealed.seal(repoId, address, input.password), t, t],
      );
      return toRegistry(row as Record<string, unknown>);
    },

    async list(repoId) {
      const rows = await db.all<Record<string, unknown>>(
        'SELECT * FROM registries WHERE repo_id = ? ORDER BY address',
        [repoId],
      );
      return rows.map(toRegistry);
    },

    async remove(repoId, address) {
      return (
        (await db.run('DELETE FROM registries WHERE repo_id = ? AND address = ?', [repoId, address])) > 0
      );
    },

    async credentials(repoId) {
      const rows = await db.all<Record<string, unknown>>(
        'SELECT * FROM registries WHERE repo_id = ? ORDER BY address',
        [repoId],
      );
      return rows.map((r) => {
        const reg = toRegistry(r);
        return {
          ...reg,
          password: sealed.open(
            repoId,
            reg.address,
            str(r.password),
            `the password of registry ${reg.address} of repository ${repoId}`,
          ),
        };
      });
    },
  };
}
