import { project } from '../entities.js';
import { findProject, ok } from '../http-kit.js';
import { type Route, route } from '../router.js';

export const projectRoutes: Route[] = [
  route('projects.show', 'GET', '/projects/:id', 'read', (ctx) => ok(project(ctx.state, findProject(ctx)))),
];
