import { readFileAt, resolveCommit } from '../git-repo.js';
import { findProject, notFound, requireRead, str } from '../http-kit.js';
import { type Route, route } from '../router.js';

export const repositoryFileRoutes: Route[] = [
  // GET /projects/:id/repository/files/:file_path/raw?ref= (the path is URL-encoded: ci%2F.drone.yml)
  route('files.raw', 'GET', '/projects/:id/repository/files/:file_path/raw', 'read', async (ctx) => {
    const project = findProject(ctx);
    requireRead(ctx, project);
    const ref = str(ctx, 'ref') || project.defaultBranch;
    const sha = await resolveCommit(project.repoDir, ref);
    if (!sha) throw notFound('Commit');
    const path = ctx.params.file_path ?? '';
    const content = await readFileAt(project.repoDir, sha, path);
    if (!content) throw notFound('File');
    const binary = content.includes(0);
    return {
      status: 200,
      body: content,
      headers: {
        'content-type': binary ? 'application/octet-stream' : 'text/plain; charset=utf-8',
        'x-gitlab-file-name': path.split('/').pop() ?? path,
        'x-gitlab-file-path': path,
        'x-gitlab-ref': ref,
        'x-gitlab-commit-id': sha,
        'x-gitlab-size': String(content.length),
      },
    };
  }),
];
