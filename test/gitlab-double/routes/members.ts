import { member } from '../entities.js';
import { findProject, ok, pathInt, recordNotFound } from '../http-kit.js';
import { type Route, route } from '../router.js';

export const memberRoutes: Route[] = [
  // A member's effective access level, inherited group memberships included.
  route('members.all.show', 'GET', '/projects/:id/members/all/:user_id', 'read', (ctx) => {
    const project = findProject(ctx);
    const user = ctx.state.user(pathInt(ctx, 'user_id'));
    const level = user ? ctx.state.accessLevel(project, user.id) : 0;
    if (!user || level === 0) throw recordNotFound();
    return ok(member(ctx.state, user, level));
  }),
];
