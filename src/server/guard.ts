/**
 * Who may do what on the server, as pure decisions of plain request facts: the path must be one the
 * router and the pages read alike (no dot segments), the Host must name this server (a DNS-rebound
 * name does not), webhooks are the only routes without the console token (they carry their CRM's
 * signature), and a state-changing console request must come from the console's own pages with a
 * body type its route declares. `app.ts` asks `decideRequest` once per request, on the route the
 * router matched — never on a prefix of the raw URL.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InrecordError } from '../errors/index.js';

/** How a route is reached: by a CRM (signature checked by the route) or by a console user (token). */
export type RouteAccess = 'webhook' | 'console';

/** What a route declares about itself (fastify route `config`). */
export interface RouteRules {
  access: RouteAccess;
  /** Body content types a state-changing route takes; anything else is refused with 415. */
  accepts?: readonly string[];
}

export interface ServerSettings {
  /** The address the server binds. */
  host: string;
  token?: string;
  /** The address browsers and CRMs use (https://inrecord.example.com). */
  publicUrl?: string;
}

/** The bodies console forms and API clients send. */
export const FORM_OR_JSON = ['application/x-www-form-urlencoded', 'application/json'] as const;

export const SESSION_COOKIE = 'inrecord_session';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return LOOPBACK_NAMES.includes(h) || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The server settings that must hold before anything starts: beyond loopback a console token and
 * the public address (the only Host answered there) are required.
 */
export function checkServerSettings(s: ServerSettings): void {
  if (s.publicUrl !== undefined && !/^https?:\/\//i.test(s.publicUrl)) {
    throw new InrecordError(
      'IR_CONFIG_INVALID',
      `server.publicUrl is ${s.publicUrl}, which is not an http(s) address`,
      {
        fix: 'Set server.publicUrl to the address clients use, e.g. https://inrecord.example.com.',
      },
    );
  }
  if (isLoopback(s.host)) return;
  if (!s.token) {
    throw new InrecordError('IR_CONFIG_INVALID', `server.host is ${s.host} but no console token is set`, {
      fix: 'Set server.token (or INRECORD_CONSOLE_TOKEN) or bind to 127.0.0.1.',
    });
  }
  if (!s.publicUrl) {
    throw new InrecordError(
      'IR_CONFIG_INVALID',
      `server.host is ${s.host} but server.publicUrl is not set: the server answers only requests addressed to it`,
      {
        fix: 'Set server.publicUrl to the address browsers and CRMs use (https://inrecord.example.com), or bind to 127.0.0.1.',
      },
    );
  }
}

/**
 * The host names the server answers for: loopback names when it listens on loopback, the public
 * address's host otherwise (a specific bind address is its own name too).
 */
export function allowedHosts(s: ServerSettings): Set<string> {
  const names = new Set<string>();
  if (isLoopback(s.host)) for (const n of LOOPBACK_NAMES) names.add(n);
  else if (!['0.0.0.0', '::', '[::]'].includes(s.host))
    names.add(s.host.replace(/^\[|\]$/g, '').toLowerCase());
  if (s.publicUrl) names.add(new URL(s.publicUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase());
  return names;
}

/** The name in a Host header, without port or IPv6 brackets; null when it is not a host. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  try {
    const u = new URL(`http://${header}`);
    if (u.username || u.password || u.pathname !== '/' || u.search || u.hash) return null;
    return u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Whether a request target has a segment the router and the pages would read differently: `.` or
 * `..` (raw or percent-encoded), an encoded slash or backslash, or an encoding that does not decode.
 */
export function unsafePath(url: string): boolean {
  const path = url.split('?')[0].split('#')[0];
  if (!path.startsWith('/') || path.includes('\\')) return true;
  for (const segment of path.split('/')) {
    if (/%(2f|5c|00)/i.test(segment)) return true;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return true;
    }
    if (decoded === '.' || decoded === '..') return true;
  }
  return false;
}

/** The cookie value a token opens a session with: derived from it, so the cookie is not the token. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('inrecord console session').digest('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface RequestFacts {
  method: string;
  /** The raw request target (path and query). */
  url: string;
  /** The matched route's rules; undefined when no route matched (answered 404 once allowed). */
  route: RouteRules | undefined;
  headers: Record<string, string | undefined>;
}

export interface GateSettings {
  token?: string;
  hosts: ReadonlySet<string>;
  /** The public origin (scheme://host[:port]) when a public address is configured. */
  publicOrigin?: string;
  /** Session cookies carry `Secure` (the public address is https). */
  secureCookie: boolean;
}

export type GateDecision =
  | { kind: 'allow'; actor: string }
  | { kind: 'redirect'; location: string; setCookie: string }
  | { kind: 'refuse'; error: InrecordError };

/** The actor recorded for console decisions: the token's holder, or the local console user. */
export const TOKEN_ACTOR = 'console-token';
export const LOCAL_ACTOR = 'console';

const refuse = (error: InrecordError): GateDecision => ({ kind: 'refuse', error });

/** The one gate: every request, every route, deny unless a rule below allows it. */
export function decideRequest(req: RequestFacts, s: GateSettings): GateDecision {
  if (unsafePath(req.url))
    return refuse(
      new InrecordError(
        'IR_SERVER_BAD_PATH',
        'the request path has a dot segment, an encoded slash or a malformed encoding',
      ),
    );
  const host = hostName(req.headers.host);
  if (!host || !s.hosts.has(host)) {
    return refuse(
      new InrecordError(
        'IR_SERVER_HOST_REFUSED',
        `this server does not answer for host ${JSON.stringify(String(req.headers.host ?? '').slice(0, 100))}`,
      ),
    );
  }
  const rules = req.route;
  if (rules?.access === 'webhook') return { kind: 'allow', actor: 'webhook' };
  if (req.route && rules?.access !== 'console')
    return refuse(new InrecordError('IR_SERVER_UNAUTHORISED', 'this route declares no access rule'));

  let actor = LOCAL_ACTOR;
  if (s.token) {
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    const given = query.get('token');
    if (given !== null) {
      if (!SAFE_METHODS.has(req.method) || !sameSecret(given, s.token))
        return refuse(new InrecordError('IR_SERVER_UNAUTHORISED', 'the console token is wrong'));
      query.delete('token');
      const rest = query.toString();
      return {
        kind: 'redirect',
        location: `${req.url.split('?')[0]}${rest ? `?${rest}` : ''}`,
        setCookie: `${SESSION_COOKIE}=${sessionValue(s.token)}; HttpOnly; SameSite=Strict; Path=/${s.secureCookie ? '; Secure' : ''}`,
      };
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const ok =
      bearer !== undefined
        ? sameSecret(bearer, s.token)
        : cookie !== undefined && sameSecret(cookie, sessionValue(s.token));
    if (!ok)
      return refuse(
        new InrecordError(
          'IR_SERVER_UNAUTHORISED',
          bearer || cookie ? 'the console token or session is not valid' : 'a console token is required',
        ),
      );
    actor = TOKEN_ACTOR;
  }

  if (!SAFE_METHODS.has(req.method) && req.route) {
    const crossSite = crossSiteReason(req.headers, s.publicOrigin);
    if (crossSite) return refuse(new InrecordError('IR_SERVER_CROSS_SITE', crossSite));
    const typeRefused = contentTypeReason(req.headers, rules?.accepts ?? []);
    if (typeRefused) return refuse(new InrecordError('IR_SERVER_CONTENT_TYPE', typeRefused));
  }
  return { kind: 'allow', actor };
}

/**
 * Why a state-changing request is not from the console's own pages, or null. Browsers send
 * `Sec-Fetch-Site` with every request (scripts cannot set it): only `same-origin` (or `none`, the
 * user's own action) may write; a page on another port of the same machine is `same-site`. Where it
 * is missing, `Origin` must be this server's (the console's own form posts say `Origin: null`, as
 * `Referrer-Policy: no-referrer` asks, so they rely on `Sec-Fetch-Site`). Clients that are not
 * browsers send neither.
 */
export function crossSiteReason(
  headers: Record<string, string | undefined>,
  publicOrigin?: string,
): string | null {
  const site = headers['sec-fetch-site']?.toLowerCase();
  if (site)
    return site === 'same-origin' || site === 'none'
      ? null
      : `a ${site} request may not change anything here`;
  const origin = headers.origin;
  if (origin === undefined) return null;
  let from: URL | null = null;
  try {
    from = new URL(origin);
  } catch {
    from = null;
  }
  if (
    from &&
    (from.host === (headers.host ?? '').toLowerCase() || (publicOrigin && from.origin === publicOrigin))
  )
    return null;
  return `a request from origin ${JSON.stringify(origin.slice(0, 100))} may not change anything here`;
}

/** Why a body's type is not one the route takes, or null. A request with no body needs no type. */
export function contentTypeReason(
  headers: Record<string, string | undefined>,
  accepts: readonly string[],
): string | null {
  const type = headers['content-type']?.split(';')[0].trim().toLowerCase();
  if (!type) {
    const empty =
      !headers['transfer-encoding'] &&
      (headers['content-length'] === undefined || headers['content-length'] === '0');
    return empty ? null : 'a request body needs a Content-Type';
  }
  return accepts.includes(type) ? null : `this route does not take ${type} bodies`;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
