/**
 * Build contexts for tests of the compiler and of the services that use it:
 * a push to master of group/project unless told otherwise.
 */
import type { BuildContext, BuildEvent } from './types.js';

export interface BuildOverrides {
  event?: BuildEvent;
  branch?: string;
  ref?: string;
  tag?: string;
  slug?: string;
  status?: 'success' | 'failure';
  trusted?: boolean;
  targetBranch?: string;
  deployTo?: string;
  params?: Record<string, string>;
}

export function testBuild(o: BuildOverrides = {}): BuildContext {
  const event = o.event ?? 'push';
  const branch = o.branch ?? 'master';
  const ref =
    o.ref ??
    (event === 'tag'
      ? `refs/tags/${o.tag ?? 'v1.0.0'}`
      : event === 'pull_request'
        ? 'refs/merge-requests/7/head'
        : `refs/heads/${branch}`);
  const ctx: BuildContext = {
    repo: {
      slug: o.slug ?? 'group/project',
      link: `https://gitlab.example.com/${o.slug ?? 'group/project'}`,
      cloneUrl: `https://gitlab.example.com/${o.slug ?? 'group/project'}.git`,
      defaultBranch: 'master',
    },
    commit: { sha: 'a'.repeat(40), ref, branch, message: 'a change', author: 'alice' },
    build: { number: 42, event },
    trusted: o.trusted ?? false,
    status: o.status ?? 'success',
  };
  if (event === 'tag') ctx.tag = o.tag ?? 'v1.0.0';
  if (event === 'pull_request') {
    ctx.pullRequest = { number: 7, sourceBranch: branch, targetBranch: o.targetBranch ?? 'master' };
  }
  if (o.deployTo) ctx.build.deployTo = o.deployTo;
  if (o.params) ctx.params = o.params;
  return ctx;
}
