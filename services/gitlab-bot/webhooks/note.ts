/**
 * Note Hook: comments on merge requests go to the comment-command
 * dispatcher; other notes (on commits, issues, snippets) are not Hangar's.
 */
import type { HookContext } from './deps.js';

export async function handleNote(hc: HookContext, body: unknown): Promise<string> {
  const attrs = (body as { object_attributes?: { noteable_type?: unknown } }).object_attributes;
  if (attrs?.noteable_type !== 'MergeRequest') return 'not a merge-request comment';
  if (hc.deps.onNote === undefined) return 'comment commands are not available';
  await hc.deps.onNote(body, hc.log);
  return 'comment handled';
}
