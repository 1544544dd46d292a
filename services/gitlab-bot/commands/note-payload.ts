/** The parts of a Note Hook on a merge request that comment commands read. */
import { z } from 'zod';

export const notePayloadSchema = z.object({
  object_kind: z.literal('note'),
  user: z.object({ id: z.number().int().optional(), username: z.string(), name: z.string().optional() }),
  project_id: z.number().int().optional(),
  project: z.object({ id: z.number().int().optional(), path_with_namespace: z.string() }),
  object_attributes: z.object({
    id: z.number().int(),
    note: z.string(),
    noteable_type: z.string(),
    author_id: z.number().int(),
    system: z.boolean().nullish(),
    action: z.string().nullish(),
  }),
  merge_request: z.object({
    iid: z.number().int(),
    state: z.string(),
    title: z.string().default(''),
    url: z.string().optional(),
    source_branch: z.string(),
    target_branch: z.string(),
    source_project_id: z.number().int(),
    target_project_id: z.number().int(),
    last_commit: z
      .object({
        id: z.string(),
        message: z.string().default(''),
        url: z.string().optional(),
        author: z.object({ name: z.string().default(''), email: z.string().default('') }).optional(),
      })
      .optional(),
  }),
});
export type NotePayload = z.output<typeof notePayloadSchema>;

export interface NoteMergeRequest {
  iid: number;
  /** The project the merge request targets (the repository's). */
  projectId: number;
  sourceProjectId: number;
  sourceBranch: string;
  targetBranch: string;
  title: string;
  url: string;
  /** The head commit when the comment was written. */
  head?: { sha: string; message: string; authorEmail: string };
  fork: boolean;
}

export function noteMergeRequest(p: NotePayload, projectId: number): NoteMergeRequest {
  const m = p.merge_request;
  return {
    iid: m.iid,
    projectId,
    sourceProjectId: m.source_project_id,
    sourceBranch: m.source_branch,
    targetBranch: m.target_branch,
    title: m.title,
    url: m.url ?? '',
    ...(m.last_commit
      ? {
          head: {
            sha: m.last_commit.id,
            message: m.last_commit.message,
            authorEmail: m.last_commit.author?.email ?? '',
          },
        }
      : {}),
    fork: m.source_project_id !== m.target_project_id,
  };
}
