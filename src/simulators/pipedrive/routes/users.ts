import { type Route, type RouteContext, badRequest, notFound, ok } from '../routes.js';

export function userV1(c: RouteContext, id: number): Record<string, unknown> | null {
  const u = c.state.user(id);
  if (!u) return null;
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    active_flag: u.active_flag,
    is_admin: u.is_admin ? 1 : 0,
    default_currency: 'EUR',
    locale: 'en_US',
    lang: 1,
    timezone_name: 'Europe/London',
    created: '2024-01-02 09:00:00',
    modified: '2024-01-02 09:00:00',
    has_created_company: u.id === 1,
    is_you: u.id === c.tokenUserId,
    company_id: c.state.companyId,
    company_name: 'Simulated Company',
    company_domain: c.state.companyDomain,
  };
}

export function userRoutes(): Omit<Route, 're' | 'names'>[] {
  return [
    // Users (v1 only in SDK v33).
    {
      method: 'GET',
      version: 1,
      template: '/users',
      op: 'list',
      handler: (c) => ok(c.state.users.map((u) => userV1(c, u.id))),
    },
    {
      method: 'GET',
      version: 1,
      template: '/users/me',
      op: 'get',
      handler: (c, r) => ok(userV1(c, r.actor.userId)),
    },
    {
      method: 'GET',
      version: 1,
      template: '/users/:id',
      op: 'get',
      handler: (c, r) => {
        const u = userV1(c, Number(r.params.id));
        return u ? ok(u) : notFound(1, 'User');
      },
    },
    {
      method: 'GET',
      version: 1,
      template: '/users/find',
      op: 'get',
      handler: (c, r) => {
        const term = (r.query.term ?? '').trim().toLowerCase();
        if (term.length === 0) return badRequest(1, 'term is required');
        const byEmail = r.query.search_by_email === '1' || r.query.search_by_email === 'true';
        const hits = c.state.users.filter((u) =>
          byEmail ? u.email.toLowerCase() === term : u.name.toLowerCase().includes(term),
        );
        return ok(hits.length > 0 ? hits.map((u) => userV1(c, u.id)) : null);
      },
    },
  ];
}
