import { commitInfo, resolveCommit } from '../git-repo.js';
import { findProject, notFound, ok, requireRead } from '../http-kit.js';
import { type Route, route } from '../router.js';

export const commitRoutes: Route[] = [
  // GET /projects/:id/repository/commits/:sha — :sha may be a commit, a branch or a tag (URL-encoded).
  route('commits.show', 'GET', '/projects/:id/repository/commits/:sha', 'read', async (ctx) => {
    const project = findProject(ctx);
    requireRead(ctx, project);
    const sha = await resolveCommit(project.repoDir, ctx.params.sha ?? '');
    if (!sha) throw notFound('Commit');
    const c = await commitInfo(project.repoDir, sha);
    return ok({
      id: c.sha,
      short_id: c.sha.slice(0, 8),
      created_at: c.timestamp,
      parent_ids: c.parent ? [c.parent] : [],
      title: c.title,
      message: c.message,
      author_name: c.author.name,
      author_email: c.author.email,
      authored_date: c.timestamp,
      committer_name: c.author.name,
      committer_email: c.author.email,
      committed_date: c.timestamp,
      web_url: `${ctx.state.webUrl(project)}/-/commit/${c.sha}`,
    });
  }),
];
