/**
 * Who a Salesforce call is made as (reference salesforce.md §1.2): the static session token or an
 * OAuth access token, and the OAuth 2.0 endpoints on the instance host — `POST
 * /services/oauth2/token` (authorization_code and refresh_token grants, form-encoded), `POST
 * /services/oauth2/revoke`, `GET /services/oauth2/authorize` (redirects with a one-time code).
 * Access tokens expire after `tokenTtlSeconds` (default 7200); refresh tokens are not rotated.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ControlState } from '../control.js';
import type { Session } from './routes.js';
import type { SalesforceOrg } from './state.js';

export interface OAuthOptions {
  org: SalesforceOrg;
  /** The token that is always valid, as the integration user. */
  staticToken: string;
  integrationUserId: string;
  clientId: string;
  clientSecret: string;
  ttlMs: number;
  baseUrl: () => string;
  live: ControlState;
}

export class SalesforceOAuth {
  private readonly accessTokens = new Map<string, { userId: string; expires: number; refresh?: string }>();
  private readonly refreshTokens = new Map<string, { userId: string; revoked: boolean }>();
  private readonly authCodes = new Set<string>();

  constructor(private readonly o: OAuthOptions) {}

  private newToken(): string {
    return `${this.o.org.orgId.slice(0, 15)}!${randomBytes(24).toString('base64url')}`;
  }

  /** Resolves a bearer token to its session, or null (→ 401 INVALID_SESSION_ID). */
  authenticate(token: string | undefined): Session | null {
    if (!token) return null;
    if (token === this.o.staticToken) return { userId: this.o.integrationUserId };
    const t = this.accessTokens.get(token);
    if (!t || t.expires < Date.now()) return null;
    if (t.refresh && this.refreshTokens.get(t.refresh)?.revoked) return null;
    return { userId: t.userId };
  }

  /** A one-time authorization code for the web-server flow (as /services/oauth2/authorize issues). */
  issueAuthCode(): string {
    const code = `aPrx${randomBytes(18).toString('base64url')}`;
    this.authCodes.add(code);
    return code;
  }

  /** Revokes every refresh token (and the access tokens issued from them). */
  revokeGrants(): void {
    for (const r of this.refreshTokens.values()) r.revoked = true;
  }

  private issue(userId: string, refresh?: string) {
    const access = this.newToken();
    const baseUrl = this.o.baseUrl();
    this.accessTokens.set(access, {
      userId,
      expires: Date.now() + this.o.ttlMs,
      ...(refresh ? { refresh } : {}),
    });
    return {
      access_token: access,
      signature: randomBytes(32).toString('base64'),
      scope: 'api refresh_token',
      instance_url: baseUrl,
      id: `${baseUrl}/id/${this.o.org.orgId}/${userId}`,
      token_type: 'Bearer',
      issued_at: String(Date.now()),
    };
  }

  /** Answers the token, revoke and authorize endpoints. */
  async answer(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const { clientId, clientSecret, integrationUserId } = this.o;
    const path = req.url.split('?')[0] as string;
    if (path.endsWith('/authorize')) {
      const q = req.query as { client_id?: string; redirect_uri?: string; state?: string };
      if (q.client_id !== clientId)
        return oauthError(reply, 'invalid_client_id', 'client identifier invalid');
      const code = this.issueAuthCode();
      const target = new URL(q.redirect_uri ?? `${this.o.baseUrl()}/callback`);
      target.searchParams.set('code', code);
      if (q.state) target.searchParams.set('state', q.state);
      return reply.redirect(target.toString(), 302);
    }
    const body = (req.body ?? {}) as Record<string, string>;
    if (path.endsWith('/revoke')) {
      const token = body.token ?? (req.query as { token?: string }).token;
      if (token && this.refreshTokens.has(token))
        (this.refreshTokens.get(token) as { revoked: boolean }).revoked = true;
      else if (token) this.accessTokens.delete(token);
      return reply.code(200).send();
    }
    if (body.client_id !== clientId)
      return oauthError(reply, 'invalid_client_id', 'client identifier invalid');
    if (body.client_secret !== undefined && body.client_secret !== clientSecret)
      return oauthError(reply, 'invalid_client', 'invalid client credentials');
    if (body.grant_type === 'authorization_code') {
      if (!body.code || !this.authCodes.delete(body.code))
        return oauthError(reply, 'invalid_grant', 'invalid authorization code');
      const refresh = this.newToken();
      this.refreshTokens.set(refresh, { userId: integrationUserId, revoked: false });
      return reply
        .type('application/json;charset=UTF-8')
        .send({ ...this.issue(integrationUserId, refresh), refresh_token: refresh });
    }
    if (body.grant_type === 'refresh_token') {
      const r = body.refresh_token ? this.refreshTokens.get(body.refresh_token) : undefined;
      if (!r || r.revoked) return oauthError(reply, 'invalid_grant', 'expired access/refresh token');
      this.o.live.stats.tokenRefreshes++;
      // Salesforce does not rotate refresh tokens by default: only an access token comes back.
      return reply.type('application/json;charset=UTF-8').send(this.issue(r.userId, body.refresh_token));
    }
    return oauthError(reply, 'unsupported_grant_type', 'grant type not supported');
  }
}

function oauthError(reply: FastifyReply, error: string, description: string, status = 400) {
  return reply
    .code(status)
    .type('application/json;charset=UTF-8')
    .send({ error, error_description: description });
}

/** The OAuth 2.0 endpoints (§1.2), form-encoded, outside the versioned REST paths. */
export function registerOAuthRoutes(app: FastifyInstance, oauth: SalesforceOAuth): void {
  app.post('/services/oauth2/token', (req, reply) => oauth.answer(req, reply));
  app.post('/services/oauth2/revoke', (req, reply) => oauth.answer(req, reply));
  app.get('/services/oauth2/authorize', (req, reply) => oauth.answer(req, reply));
}
