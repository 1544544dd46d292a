/** The facts about a stored build that the pipeline compiler makes a plan from. */
import type { BuildContext } from '../../shared/pipeline/types.js';
import { VERSION } from '../../shared/version.js';
import type { Build, Repo } from '../store/index.js';

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : Math.floor(ms / 1000));

export function buildContext(repo: Repo, build: Build): BuildContext {
  const tag = build.event === 'tag' ? build.ref.replace(/^refs\/tags\//, '') : undefined;
  const ctx: BuildContext = {
    repo: {
      slug: repo.slug,
      link: repo.webUrl,
      cloneUrl: repo.cloneUrl,
      private: repo.visibility !== 'public',
      defaultBranch: repo.defaultBranch,
      visibility: repo.visibility,
    },
    commit: {
      sha: build.sha,
      ref: build.ref,
      branch: build.branch,
      message: build.message,
      author: build.author,
      authorEmail: build.authorEmail,
      authorAvatar: build.authorAvatar,
      link: build.link,
      before: build.beforeSha,
    },
    build: {
      number: build.number,
      event: build.event,
      link: build.link,
      created: seconds(build.createdAt),
      ...(build.parentId === undefined ? {} : { parent: build.parentId }),
      ...(build.deployTo === '' ? {} : { deployTo: build.deployTo }),
    },
    trusted: repo.trusted,
    status: 'success',
    system: { version: VERSION },
    params: build.params,
  };
  if (tag !== undefined) ctx.tag = tag;
  if (build.event === 'pull_request' && build.mergeRequestIid !== undefined) {
    ctx.pullRequest = {
      number: build.mergeRequestIid,
      sourceBranch: build.sourceBranch,
      targetBranch: build.targetBranch,
      title: build.title,
      fork: build.fork,
    };
  }
  return ctx;
}
