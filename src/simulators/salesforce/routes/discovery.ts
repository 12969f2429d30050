/**
 * Versions and resources by version (§1.3), the identity URL and `/limits` (§9.2).
 */
import type { FastifyInstance } from 'fastify';
import { JSON_TYPE, RELEASES, type Rest, type RouteContext, VERSIONS, sendErrors } from '../routes.js';

export function registerDiscoveryRoutes(app: FastifyInstance, ctx: RouteContext, rest: Rest, bulkLimits: () => Record<string, { Max: number; Remaining: number }>): void {
  const { org } = ctx;
  // §1.3: versions list, unauthenticated, not counted.
  app.get('/services/data', async (_req, reply) => reply.type(JSON_TYPE).send(VERSIONS.map((v) => ({ label: RELEASES[v], url: `/services/data/v${v}`, version: v }))));

  app.get(
    '/services/data/:v',
    rest('GET /services/data/vXX.X', (_req, _reply, s) => {
      const base = `/services/data/v${s.version}`;
      return {
        tooling: `${base}/tooling`, metadata: `${base}/metadata`, eclair: `${base}/eclair`, folders: `${base}/folders`,
        sobjects: `${base}/sobjects`, query: `${base}/query`, queryAll: `${base}/queryAll`, composite: `${base}/composite`, limits: `${base}/limits`,
        search: `${base}/search`, recent: `${base}/recent`, identity: `${ctx.baseUrl()}/id/${org.orgId}/${s.userId}`,
      };
    }),
  );

  // §1.3: identity URL, reached by jsforce with ?oauth_token= or a bearer header.
  app.get('/id/:orgId/:userId', async (req, reply) => {
    const q = req.query as { oauth_token?: string };
    const auth = req.headers.authorization;
    const session = ctx.authenticate(q.oauth_token ?? (auth?.startsWith('Bearer ') ? auth.slice(7) : undefined));
    if (!session) return reply.code(403).type('text/plain').send('Bad_OAuth_Token');
    const { userId } = req.params as { userId: string };
    const user = org.lookup(userId);
    if (!user || user.object.name !== 'User') return sendErrors(reply, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    const base = ctx.baseUrl();
    return reply.type(JSON_TYPE).send({
      id: `${base}/id/${org.orgId}/${user.row.Id}`, asserted_user: true, user_id: user.row.Id, organization_id: org.orgId,
      username: user.row.Username, nick_name: user.row.LastName, display_name: user.row.Name, email: user.row.Email, active: user.row.IsActive,
      user_type: 'STANDARD', language: 'en_US', locale: 'en_US', utcOffset: 0, last_modified_date: user.row.LastModifiedDate,
      photos: { picture: `${base}/profilephoto/005/F`, thumbnail: `${base}/profilephoto/005/T` },
      urls: { rest: `${base}/services/data/v{version}/`, sobjects: `${base}/services/data/v{version}/sobjects/`, query: `${base}/services/data/v{version}/query/`, limits: `${base}/services/data/v{version}/limits`, profile: `${base}/${user.row.Id}` },
    });
  });

  // §9.2 limits.
  app.get(
    '/services/data/:v/limits',
    rest('GET /limits', () => {
      const { used, max } = ctx.limitInfo();
      const static_ = (n: number) => ({ Max: n, Remaining: n });
      return {
        DailyApiRequests: { Max: max, Remaining: Math.max(0, max - used) },
        ...bulkLimits(),
        DailyDeliveredPlatformEvents: static_(10000),
        DataStorageMB: { Max: 1024, Remaining: 1024 - Math.round(org.count('Lead') / 500 + org.count('Contact') / 500) },
        FileStorageMB: static_(1024),
        SingleEmail: static_(15),
        ConcurrentAsyncGetReportInstances: static_(200),
        PermissionSets: { Max: 1500, Remaining: 1499, CreateCustom: { Max: 1000, Remaining: 999 } },
      };
    }),
  );
}
