/**
 * HubSpot's OAuth 2.0 token endpoint (`POST /oauth/v1/token`, form-encoded): the
 * authorization_code and refresh_token grants, access tokens that expire (answered 401
 * EXPIRED_AUTHENTICATION, hubspot.md §1.4), refresh tokens that can be revoked
 * (`DELETE /oauth/v1/refresh-tokens/:token`), and token introspection
 * (`GET /oauth/v1/access-tokens/:token`). Error bodies carry HubSpot's `status` codes
 * (BAD_CLIENT_ID, BAD_CLIENT_SECRET, BAD_REFRESH_TOKEN, BAD_AUTH_CODE, BAD_GRANT_TYPE).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** The scopes every token of the simulated app carries. */
const SCOPES = ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.companies.read', 'crm.objects.companies.write', 'crm.objects.deals.read', 'crm.objects.deals.write', 'crm.schemas.contacts.write'];

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  ttlSeconds: number;
  /** A refresh token accepted from the start (what `inrecord.yaml` is configured with). */
  refreshToken?: string;
  /** Counts a refresh (SimStats.tokenRefreshes). */
  onRefresh(): void;
  portalId: number;
  appId: number;
}

export type TokenCheck = { ok: true } | { ok: false; expired: true; expiredAt: number } | { ok: false; expired: false };

export class HubspotOAuth {
  private readonly access = new Map<string, number>();
  private readonly refresh = new Set<string>();
  private readonly codes = new Set<string>();

  constructor(readonly opts: OAuthOptions) {
    if (opts.refreshToken) this.refresh.add(opts.refreshToken);
  }

  /** An authorization code the token endpoint will accept once (what the install redirect carries). */
  issueCode(): string {
    const code = `code-${randomUUID()}`;
    this.codes.add(code);
    return code;
  }

  check(token: string, now = Date.now()): TokenCheck {
    const exp = this.access.get(token);
    if (exp === undefined) return { ok: false, expired: false };
    if (exp <= now) return { ok: false, expired: true, expiredAt: exp };
    return { ok: true };
  }

  revoke(refreshToken: string): void {
    this.refresh.delete(refreshToken);
  }

  private grant(refreshToken: string): Record<string, unknown> {
    const accessToken = `CN${randomUUID().replace(/-/g, '')}`;
    this.access.set(accessToken, Date.now() + this.opts.ttlSeconds * 1000);
    return { token_type: 'bearer', token_use: 'access_token', refresh_token: refreshToken, access_token: accessToken, expires_in: this.opts.ttlSeconds, hub_id: this.opts.portalId, scopes: SCOPES };
  }

  register(app: FastifyInstance): void {
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      });
    }
    const json = 'application/json;charset=utf-8';
    app.post('/oauth/v1/token', async (req, reply) => {
      const b = (req.body ?? {}) as Record<string, string>;
      const bad = (status: string, message: string) => reply.code(400).header('content-type', json).send(JSON.stringify({ status, message, correlationId: randomUUID() }));
      if (b.client_id !== this.opts.clientId) return bad('BAD_CLIENT_ID', 'missing or unknown client id');
      if (b.client_secret !== this.opts.clientSecret) return bad('BAD_CLIENT_SECRET', 'missing or invalid client secret');
      if (b.grant_type === 'refresh_token') {
        if (!b.refresh_token || !this.refresh.has(b.refresh_token)) return bad('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
        this.opts.onRefresh();
        return reply.code(200).header('content-type', json).send(JSON.stringify(this.grant(b.refresh_token)));
      }
      if (b.grant_type === 'authorization_code') {
        if (!b.code || !this.codes.has(b.code)) return bad('BAD_AUTH_CODE', 'missing or unknown auth code');
        this.codes.delete(b.code);
        const refreshToken = `na1-${randomUUID()}`;
        this.refresh.add(refreshToken);
        return reply.code(200).header('content-type', json).send(JSON.stringify(this.grant(refreshToken)));
      }
      return bad('BAD_GRANT_TYPE', `unsupported grant_type ${b.grant_type ?? '(none)'}`);
    });
    app.delete('/oauth/v1/refresh-tokens/:token', async (req, reply) => {
      this.revoke((req.params as { token: string }).token);
      return reply.code(204).send();
    });
    app.get('/oauth/v1/access-tokens/:token', async (req, reply) => {
      const t = (req.params as { token: string }).token;
      const exp = this.access.get(t);
      if (exp === undefined || exp <= Date.now()) {
        return reply.code(404).header('content-type', json).send(JSON.stringify({ status: 'error', message: 'Token not found or expired', correlationId: randomUUID() }));
      }
      return reply
        .code(200)
        .header('content-type', json)
        .send(JSON.stringify({ token: t, hub_id: this.opts.portalId, app_id: this.opts.appId, expires_in: Math.round((exp - Date.now()) / 1000), user_id: 1, token_type: 'access', scopes: SCOPES }));
    });
  }
}
