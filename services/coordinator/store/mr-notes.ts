import type { StoreContext } from './context.js';
import { num, optNumber } from './rows.js';

/** The GitLab bot's summary note of each merge request, and the build it last showed. */
export interface SummaryNote {
  projectId: number;
  mrIid: number;
  /** GitLab's note id, once the note exists. */
  noteId?: number;
  /** The build the note shows; an older build never replaces a newer one. */
  buildNumber: number;
  updatedAt: number;
}

export interface SummaryNoteStore {
  get(projectId: number, mrIid: number): Promise<SummaryNote | undefined>;
  /**
   * Claims the note for `buildNumber`: false (and nothing changes) when it
   * already shows a newer build.
   */
  claim(projectId: number, mrIid: number, buildNumber: number): Promise<boolean>;
  setNoteId(projectId: number, mrIid: number, noteId: number): Promise<void>;
}

export function summaryNoteStore({ db, now }: StoreContext): SummaryNoteStore {
  return {
    async get(projectId, mrIid) {
      const r = await db.get<Record<string, unknown>>(
        'SELECT * FROM mr_summary_notes WHERE project_id = ? AND mr_iid = ?',
        [projectId, mrIid],
      );
      if (r === undefined) return undefined;
      const noteId = optNumber(r.note_id);
      return {
        projectId: num(r.project_id),
        mrIid: num(r.mr_iid),
        ...(noteId === undefined ? {} : { noteId }),
        buildNumber: num(r.build_number),
        updatedAt: num(r.updated_at),
      };
    },

    async claim(projectId, mrIid, buildNumber) {
      const changed = await db.run(
        `INSERT INTO mr_summary_notes (project_id, mr_iid, build_number, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (project_id, mr_iid) DO UPDATE SET build_number = excluded.build_number,
           updated_at = excluded.updated_at
         WHERE mr_summary_notes.build_number <= excluded.build_number`,
        [projectId, mrIid, buildNumber, now()],
      );
      return changed > 0;
    },

    async setNoteId(projectId, mrIid, noteId) {
      await db.run(
        `INSERT INTO mr_summary_notes (project_id, mr_iid, note_id, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (project_id, mr_iid) DO UPDATE SET note_id = excluded.note_id, updated_at = excluded.updated_at`,
        [projectId, mrIid, noteId, now()],
      );
    },
  };
}
