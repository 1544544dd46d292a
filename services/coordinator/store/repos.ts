import type { StoreContext } from './context.js';
import { isUniqueViolation, type SqlValue } from './db.js';
import { ConflictError, NotFoundError } from './errors.js';
import { bool, num, optNumber, str } from './rows.js';
import { hashToken, tokenMatches } from './tokens.js';
import type { Repo, RepoInput, RepoSettings, Visibility } from './types.js';

export interface RepoStore {
  /** Registers a GitLab project. Refused when the project or its path is registered already. */
  create(input: RepoInput): Promise<Repo>;
  get(id: number): Promise<Repo | undefined>;
  byProjectId(projectId: number): Promise<Repo | undefined>;
  /** Case-insensitive, as GitLab paths are. */
  bySlug(slug: string): Promise<Repo | undefined>;
  list(filter?: { active?: boolean }): Promise<Repo[]>;
  update(id: number, settings: RepoSettings): Promise<Repo>;
  /** Records the project hook Hangar installed and the token GitLab sends with it (kept hashed). */
  setHook(id: number, hook: { hookId: number | null; token: string | null }): Promise<Repo>;
  /** Whether `token` is the repository's hook token, compared in constant time. */
  verifyHookToken(id: number, token: string): Promise<boolean>;
  /** Deletes the repository with its builds, secrets and registries. */
  remove(id: number): Promise<boolean>;
}

/** Setting → column. The only columns `update` writes. */
const COLUMNS: Record<keyof RepoSettings, string> = {
  slug: 'slug',
  cloneUrl: 'clone_url',
  webUrl: 'web_url',
  defaultBranch: 'default_branch',
  active: 'active',
  configPath: 'config_path',
  trusted: 'trusted',
  timeoutMinutes: 'timeout_minutes',
  concurrency: 'concurrency',
  cancelPrevious: 'cancel_previous',
  allowForkSecrets: 'allow_fork_secrets',
  visibility: 'visibility',
};

const VISIBILITIES: readonly Visibility[] = ['public', 'internal', 'private'];

function toRepo(r: Record<string, unknown>): Repo {
  return {
    id: num(r.id),
    projectId: num(r.project_id),
    slug: str(r.slug),
    cloneUrl: str(r.clone_url),
    webUrl: str(r.web_url),
    defaultBranch: str(r.default_branch),
    active: bool(r.active),
    hookId: optNumber(r.hook_id),
    hasHookToken: r.hook_token_hash !== null && r.hook_token_hash !== undefined,
    configPath: str(r.config_path),
    trusted: bool(r.trusted),
    timeoutMinutes: num(r.timeout_minutes),
    concurrency: num(r.concurrency),
    cancelPrevious: bool(r.cancel_previous),
    allowForkSecrets: bool(r.allow_fork_secrets),
    visibility: str(r.visibility) as Visibility,
    buildCounter: num(r.build_counter),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

function check(s: RepoSettings): void {
  if (s.timeoutMinutes !== undefined && !(Number.isInteger(s.timeoutMinutes) && s.timeoutMinutes > 0)) {
    throw new RangeError(`timeout must be a whole number of minutes above 0, not ${s.timeoutMinutes}`);
  }
  if (s.concurrency !== undefined && !(Number.isInteger(s.concurrency) && s.concurrency >= 0)) {
    throw new RangeError(`concurrency must be a whole number, 0 for no limit, not ${s.concurrency}`);
  }
  if (s.visibility !== undefined && !VISIBILITIES.includes(s.visibility)) {
    throw new RangeError(`visibility must be public, internal or private, not ${s.visibility}`);
  }
  if (s.configPath !== undefined && s.configPath.trim() === '') {
    throw new RangeError('the pipeline file path must not be empty; the default is .drone.yml');
  }
}

export function repoStore({ db, now }: StoreContext): RepoStore {
  const one = async (where: string, params: SqlValue[]) => {
    const row = await db.get<Record<string, unknown>>(`SELECT * FROM repos WHERE ${where}`, params);
    return row === undefined ? undefined : toRepo(row);
  };
  const duplicate = (input: { slug?: string; projectId?: number }, err: unknown) =>
    new ConflictError(
      `repository ${input.slug ?? ''}${input.projectId === undefined ? '' : ` (GitLab project ${input.projectId})`} is registered already`,
      { cause: err },
    );

  return {
    async create(input) {
      check(input);
      const t = now();
      const fields: [string, SqlValue][] = [
        ['project_id', input.projectId],
        ['created_at', t],
        ['updated_at', t],
      ];
      for (const [key, column] of Object.entries(COLUMNS) as [keyof RepoSettings, string][]) {
        const v = input[key];
        if (v !== undefined) fields.push([column, v]);
      }
      try {
        const row = await db.get<Record<string, unknown>>(
          `INSERT INTO repos (${fields.map((f) => f[0]).join(', ')}) VALUES (${fields.map(() => '?').join(', ')}) RETURNING *`,
          fields.map((f) => f[1]),
        );
        return toRepo(row as Record<string, unknown>);
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(input, err);
        throw err;
      }
    },

    get: (id) => one('id = ?', [id]),
    byProjectId: (projectId) => one('project_id = ?', [projectId]),
    bySlug: (slug) => one('lower(slug) = lower(?)', [slug]),

    async list(filter = {}) {
      const rows =
        filter.active === undefined
          ? await db.all<Record<string, unknown>>('SELECT * FROM repos ORDER BY lower(slug)')
          : await db.all<Record<string, unknown>>(
              'SELECT * FROM repos WHERE active = ? ORDER BY lower(slug)',
              [filter.active],
            );
      return rows.map(toRepo);
    },

    async update(id, settings) {
      check(settings);
      const sets: string[] = ['updated_at = ?'];
      const params: SqlValue[] = [now()];
      for (const [key, column] of Object.entries(COLUMNS) as [keyof RepoSettings, string][]) {
        const v = settings[key];
        if (v === undefined) continue;
        sets.push(`${column} = ?`);
        params.push(v);
      }
      try {
        const row = await db.get<Record<string, unknown>>(
          `UPDATE repos SET ${sets.join(', ')} WHERE id = ? RETURNING *`,
          [...params, id],
        );
        if (row === undefined) throw new NotFoundError(`repository ${id} is not registered`);
        return toRepo(row);
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate({ slug: settings.slug ?? String(id) }, err);
        throw err;
      }
    },

    async setHook(id, hook) {
      const row = await db.get<Record<string, unknown>>(
        'UPDATE repos SET hook_id = ?, hook_token_hash = ?, updated_at = ? WHERE id = ? RETURNING *',
        [hook.hookId, hook.token === null ? null : hashToken(hook.token), now(), id],
      );
      if (row === undefined) throw new NotFoundError(`repository ${id} is not registered`);
      return toRepo(row);
    },

    async verifyHookToken(id, token) {
      const row = await db.get<{ hook_token_hash: string | null }>(
        'SELECT hook_token_hash FROM repos WHERE id = ?',
        [id],
      );
      // Hash and compare even when no token is set, so timing tells nothing either way.
      const matches = tokenMatches(row?.hook_token_hash, token);
      return matches && typeof row?.hook_token_hash === 'string';
    },

    async remove(id) {
      return (await db.run('DELETE FROM repos WHERE id = ?', [id])) > 0;
    },
  };
}
