/**
 * Who a Pipedrive call is made as (reference: docs/reference/pipedrive.md §1.1, §1.3): the API
 * token (header `x-api-token` or the legacy `?api_token=`) or an OAuth access token, and the OAuth
 * token endpoint (`POST /oauth/token`: authorization_code and refresh_token grants, the client
 * authenticated by Basic auth or in the body), whose access tokens expire after `ttlSeconds`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Answer, RouteContext } from './routes.js';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  ttlSeconds: number;
}

export interface Auth {
  token: string;
  userId: number;
  oauth: boolean;
}

export function authenticate(c: RouteContext, req: FastifyRequest, query: Record<string, string>): Auth | null {
  const header = req.headers['x-api-token'];
  const apiToken = typeof header === 'string' ? header : query.api_token;
  // "If both API token and OAuth access token are set, then the API token takes precedence." (§1.1)
  if (apiToken !== undefined) return apiToken === c.token ? { token: apiToken, userId: c.tokenUserId, oauth: false } : null;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) {
    const t = auth.slice(7);
    const held = c.accessTokens.get(t);
    if (held && held.expiresAt > c.state.now()) return { token: t, userId: held.userId, oauth: true };
  }
  return null;
}

export function oauthTokenEndpoint(c: RouteContext, req: FastifyRequest): Answer {
  const auth = req.headers.authorization ?? '';
  const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
  const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, string>;
  const clientOk = basic === `${c.oauth.clientId}:${c.oauth.clientSecret}` || (body.client_id === c.oauth.clientId && body.client_secret === c.oauth.clientSecret);
  if (!clientOk) return { status: 401, body: { success: false, error: 'invalid_client', message: 'Invalid client credentials' } };
  let userId: number;
  let refresh: string;
  if (body.grant_type === 'authorization_code') {
    if (!body.code) return { status: 400, body: { success: false, error: 'invalid_request', message: 'code is missing' } };
    userId = c.tokenUserId;
    refresh = `${c.state.companyId}:${userId}:${randomBytes(16).toString('hex')}`;
    c.refreshTokens.set(refresh, userId);
  } else if (body.grant_type === 'refresh_token') {
    const u = c.refreshTokens.get(body.refresh_token ?? '');
    if (u === undefined) return { status: 400, body: { success: false, error: 'invalid_grant', message: 'Invalid refresh token' } };
    userId = u;
    refresh = body.refresh_token;
  } else {
    return { status: 400, body: { success: false, error: 'unsupported_grant_type', message: 'Unsupported grant type' } };
  }
  const access = `v1u:${randomBytes(24).toString('hex')}`;
  c.accessTokens.set(access, { expiresAt: c.state.now() + c.oauth.ttlSeconds * 1000, userId });
  c.stats.tokenRefreshes++;
  return {
    status: 200,
    body: {
      access_token: access,
      token_type: 'Bearer',
      refresh_token: refresh,
      scope: 'base,deals:full,contacts:full,activities:full,admin',
      expires_in: c.oauth.ttlSeconds,
      api_domain: c.apiDomain(),
    },
  };
}
