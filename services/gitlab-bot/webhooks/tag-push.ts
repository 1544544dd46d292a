/** Tag Push Hook: a new tag becomes a tag build; a deleted tag is ignored. */
import type { HookContext } from './deps.js';
import { firstLine, pushSchema, skipsCi, ZERO_SHA } from './payloads.js';
import { submitBuild } from './submit-build.js';

export async function handleTagPush(hc: HookContext, body: unknown): Promise<string> {
  const p = pushSchema.parse(body);
  if (p.after === ZERO_SHA) return 'tag deleted; nothing to build';
  if (!p.ref.startsWith('refs/tags/')) return `ref ${p.ref} is not a tag; nothing to build`;
  const tag = p.ref.slice('refs/tags/'.length);
  // For an annotated tag `after` is the tag object; checkout_sha is its commit.
  const sha = p.checkout_sha ?? p.after;
  const message = p.message ?? p.commits.find((c) => c.id === sha)?.message ?? '';
  if (skipsCi(message)) return 'the tag message asks to skip CI';
  const result = await submitBuild(
    hc,
    {
      event: 'tag',
      ref: p.ref,
      branch: tag,
      sha,
      message,
      title: firstLine(message) || tag,
      author: p.user_username ?? '',
      authorEmail: p.user_email ?? '',
      authorAvatar: p.user_avatar ?? '',
      sender: p.user_username ?? '',
      link: `${p.project.web_url}/-/tags/${encodeURIComponent(tag)}`,
    },
    { statusRef: tag },
  );
  return result.kind === 'created' ? `build ${result.build.number}` : result.kind;
}
