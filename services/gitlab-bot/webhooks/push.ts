/** Push Hook: a push to a branch becomes a push build of its new head; a branch deletion builds nothing. */
import type { HookContext } from './deps.js';
import { firstLine, pushSchema, skipsCi, ZERO_SHA } from './payloads.js';
import { submitBuild } from './submit-build.js';

export async function handlePush(hc: HookContext, body: unknown): Promise<string> {
  const p = pushSchema.parse(body);
  if (p.after === ZERO_SHA) return 'branch deleted; nothing to build';
  if (!p.ref.startsWith('refs/heads/')) return `ref ${p.ref} is not a branch; nothing to build`;
  const branch = p.ref.slice('refs/heads/'.length);
  const sha = p.checkout_sha ?? p.after;
  const head = p.commits.find((c) => c.id === sha) ?? p.commits.at(-1);
  const message = head?.message ?? '';
  if (skipsCi(message)) return 'the commit message asks to skip CI';
  const compare =
    p.before === ZERO_SHA
      ? `${p.project.web_url}/-/commit/${sha}`
      : `${p.project.web_url}/-/compare/${p.before}...${sha}`;
  const result = await submitBuild(
    hc,
    {
      event: 'push',
      ref: p.ref,
      branch,
      sha,
      beforeSha: p.before === ZERO_SHA ? '' : p.before,
      message,
      title: head?.title ?? firstLine(message),
      author: p.user_username ?? '',
      authorEmail: p.user_email ?? head?.author?.email ?? '',
      authorAvatar: p.user_avatar ?? '',
      sender: p.user_username ?? '',
      link: compare,
    },
    { statusRef: branch },
  );
  return result.kind === 'created' ? `build ${result.build.number}` : result.kind;
}
