/**
 * The parts of GitLab's webhook bodies Hangar reads, checked with zod. GitLab
 * sends much more; everything else is ignored. Fields GitLab has added over
 * the years are optional.
 */
import { z } from 'zod';

const project = z.object({
  id: z.number().int().optional(),
  path_with_namespace: z.string(),
  web_url: z.string(),
  git_http_url: z.string().optional(),
  default_branch: z.string().nullish(),
});

const commit = z.object({
  id: z.string(),
  message: z.string().default(''),
  title: z.string().optional(),
  url: z.string().optional(),
  author: z.object({ name: z.string().default(''), email: z.string().default('') }).optional(),
});

export const pushSchema = z.object({
  object_kind: z.enum(['push', 'tag_push']),
  before: z.string(),
  after: z.string(),
  ref: z.string(),
  checkout_sha: z.string().nullish(),
  message: z.string().nullish(),
  user_username: z.string().nullish(),
  user_name: z.string().nullish(),
  user_email: z.string().nullish(),
  user_avatar: z.string().nullish(),
  project_id: z.number().int(),
  project,
  commits: z.array(commit).default([]),
});
export type PushPayload = z.output<typeof pushSchema>;

const user = z.object({
  username: z.string(),
  name: z.string().optional(),
  email: z.string().nullish(),
  avatar_url: z.string().nullish(),
});

export const mergeRequestSchema = z.object({
  object_kind: z.literal('merge_request'),
  user,
  project: project.extend({ id: z.number().int() }),
  object_attributes: z.object({
    iid: z.number().int(),
    action: z.string().optional(),
    state: z.string().optional(),
    title: z.string().default(''),
    url: z.string().default(''),
    source_branch: z.string(),
    target_branch: z.string(),
    source_project_id: z.number().int(),
    target_project_id: z.number().int(),
    oldrev: z.string().optional(),
    /** Absent in some payloads of merge requests without commits. */
    last_commit: commit.optional(),
    source: project.optional(),
  }),
});
export type MergeRequestPayload = z.output<typeof mergeRequestSchema>;

/** The events Hangar acts on, by X-Gitlab-Event. */
export const HANDLED_EVENTS = ['Push Hook', 'Tag Push Hook', 'Merge Request Hook', 'Note Hook'] as const;
export type HandledEvent = (typeof HANDLED_EVENTS)[number];

export function isHandledEvent(event: string): event is HandledEvent {
  return (HANDLED_EVENTS as readonly string[]).includes(event);
}

/** The GitLab project a delivery is about (the target project for merge requests), when the body names one. */
export function projectIdOf(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { project_id?: unknown; project?: { id?: unknown } };
  if (typeof b.project_id === 'number' && Number.isInteger(b.project_id)) return b.project_id;
  if (typeof b.project?.id === 'number' && Number.isInteger(b.project.id)) return b.project.id;
  return undefined;
}

/** GitLab's all-zero commit id: the branch or tag was created (before) or deleted (after). */
export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** Whether a commit message asks for no build, as Drone reads it. */
export function skipsCi(message: string): boolean {
  return /\[(ci skip|skip ci)\]/i.test(message);
}

export function firstLine(message: string): string {
  return message.split('\n', 1)[0]?.trim() ?? '';
}
