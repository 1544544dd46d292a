import type { StoreContext } from './context.js';
import { json, num, optNumber, str } from './rows.js';

/**
 * Builds of merge requests from forks that wait for a Developer's
 * `/hangar approve` before the bot asks the coordinator for them. The request
 * is kept as the bot would send it, without clone credentials.
 */
export interface HeldBuild {
  id: number;
  repoId: number;
  /** The target project (the repository's GitLab project). */
  projectId: number;
  /** The fork the merge request comes from. */
  sourceProjectId: number;
  mrIid: number;
  sha: string;
  /** The source branch. */
  ref: string;
  /** The CreateBuild request to send once approved. */
  request: Record<string, unknown>;
  state: HeldState;
  /** The build made when it was released. */
  buildNumber?: number;
  releasedBy: string;
  createdAt: number;
  releasedAt?: number;
}

/** held: waiting; released: approved (the build was asked for); dropped: superseded or the MR closed. */
export type HeldState = 'held' | 'released' | 'dropped';

export interface HeldBuildInput {
  repoId: number;
  projectId: number;
  sourceProjectId: number;
  mrIid: number;
  sha: string;
  ref: string;
  request: Record<string, unknown>;
}

export interface HeldBuildStore {
  /** Holds a build; holding the same merge request and commit again returns the first one. */
  hold(input: HeldBuildInput): Promise<HeldBuild>;
  get(id: number): Promise<HeldBuild | undefined>;
  /** Builds of a merge request still waiting, oldest first. */
  waiting(projectId: number, mrIid: number): Promise<HeldBuild[]>;
  /**
   * Moves a waiting build to released on behalf of `by`; false when it was not
   * waiting (another approve got there first, or it was dropped).
   */
  release(id: number, by: string): Promise<boolean>;
  /** Records the build the coordinator made for a released hold. */
  setBuildNumber(id: number, buildNumber: number): Promise<void>;
  /** Puts a released build back to waiting (asking the coordinator failed). */
  reopen(id: number): Promise<void>;
  /** Drops the waiting builds of a merge request (all, or those not of `keepSha`); returns them. */
  drop(projectId: number, mrIid: number, keepSha?: string): Promise<HeldBuild[]>;
}

function toHeld(r: Record<string, unknown>): HeldBuild {
  const buildNumber = optNumber(r.build_number);
  const releasedAt = optNumber(r.released_at);
  return {
    id: num(r.id),
    repoId: num(r.repo_id),
    projectId: num(r.project_id),
    sourceProjectId: num(r.source_project_id),
    mrIid: num(r.mr_iid),
    sha: str(r.sha),
    ref: str(r.ref),
    request: json(r.request, {}),
    state: str(r.state) as HeldState,
    ...(buildNumber === undefined ? {} : { buildNumber }),
    releasedBy: str(r.released_by),
    createdAt: num(r.created_at),
    ...(releasedAt === undefined ? {} : { releasedAt }),
  };
}

export function heldBuildStore({ db, now }: StoreContext): HeldBuildStore {
  const byId = async (id: number) => {
    const r = await db.get<Record<string, unknown>>('SELECT * FROM held_builds WHERE id = ?', [id]);
    return r === undefined ? undefined : toHeld(r);
  };
  return {
    async hold(input) {
      await db.run(
        `INSERT INTO held_builds (repo_id, project_id, source_project_id, mr_iid, sha, ref, request, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, mr_iid, sha) DO NOTHING`,
        [
          input.repoId,
          input.projectId,
          input.sourceProjectId,
          input.mrIid,
          input.sha,
          input.ref,
          JSON.stringify(input.request),
          now(),
        ],
      );
      const r = await db.get<Record<string, unknown>>(
        'SELECT * FROM held_builds WHERE project_id = ? AND mr_iid = ? AND sha = ?',
        [input.projectId, input.mrIid, input.sha],
      );
      return toHeld(r as Record<string, unknown>);
    },

    get: byId,

    async waiting(projectId, mrIid) {
      const rows = await db.all<Record<string, unknown>>(
        "SELECT * FROM held_builds WHERE project_id = ? AND mr_iid = ? AND state = 'held' ORDER BY id",
        [projectId, mrIid],
      );
      return rows.map(toHeld);
    },

    async release(id, by) {
      const changed = await db.run(
        "UPDATE held_builds SET state = 'released', released_by = ?, released_at = ? WHERE id = ? AND state = 'held'",
        [by, now(), id],
      );
      return changed > 0;
    },

    async setBuildNumber(id, buildNumber) {
      await db.run('UPDATE held_builds SET build_number = ? WHERE id = ?', [buildNumber, id]);
    },

    async reopen(id) {
      await db.run(
        "UPDATE held_builds SET state = 'held', released_by = '', released_at = NULL WHERE id = ? AND state = 'released'",
        [id],
      );
    },

    async drop(projectId, mrIid, keepSha) {
      return db.tx(async (q) => {
        const rows = await q.all<Record<string, unknown>>(
          "SELECT * FROM held_builds WHERE project_id = ? AND mr_iid = ? AND state = 'held' AND sha <> ?",
          [projectId, mrIid, keepSha ?? ''],
        );
        if (rows.length > 0) {
          await q.run(
            "UPDATE held_builds SET state = 'dropped' WHERE project_id = ? AND mr_iid = ? AND state = 'held' AND sha <> ?",
            [projectId, mrIid, keepSha ?? ''],
          );
        }
        return rows.map(toHeld);
      });
    },
  };
}
