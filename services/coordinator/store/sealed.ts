import type { StoreContext } from './context.js';
import { SecretKeyError } from './errors.js';

/** Encrypts and decrypts the values of one kind of row ('secret', 'registry'). */
export function sealer(ctx: StoreContext, kind: string) {
  const cipher = () => {
    if (ctx.cipher === undefined) {
      throw new SecretKeyError(
        `no secret key is configured, so ${kind} values cannot be stored or read; set HANGAR_SECRET_KEY (or DRONE_DATABASE_SECRET) to 32 bytes as hex or base64, e.g. the output of: openssl rand -hex 32`,
      );
    }
    return ctx.cipher;
  };
  const context = (repoId: number, name: string) => `${kind}:${repoId}:${name}`;
  return {
    seal: (repoId: number, name: string, value: string) => cipher().encrypt(value, context(repoId, name)),
    open(repoId: number, name: string, sealed: string, what: string): string {
      const plain = cipher().decrypt(sealed, context(repoId, name));
      if (plain === undefined) {
        throw new SecretKeyError(
          `cannot decrypt ${what}: it was stored with another secret key; set HANGAR_SECRET_KEY (or DRONE_DATABASE_SECRET) to the key used when it was saved, or store the value again`,
        );
      }
      return plain;
    },
  };
}
