import { InrecordError, classifyHttpStatus } from '../../errors/index.js';
import type { CallStats } from '../types.js';
import { type Limiter, type Sleep, sleep } from './limiter.js';

/** How a connector describes one failed call; each connector maps its client's errors to this once. */
export interface CallFailure {
  /** HTTP status, or undefined for a network fault (no answer). */
  status?: number;
  /** Server-requested wait (Retry-After, reset headers), ms. */
  retryAfterMs?: number;
  message: string;
  /** CRM error code, when the body carries one. */
  crmCode?: string;
  /**
   * A short-lived limit refusal whatever its status (a CRM that answers such a limit with something
   * other than 429): waited out and retried like a 429.
   */
  limited?: boolean;
}

export interface RetryPolicy {
  /** Retries for faults (5xx, network). Rate-limit waits do not count against it. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound on consecutive 429s before giving up (the job engine then retries the job later). */
  maxRateLimitWaits: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseDelayMs: 250, maxDelayMs: 15_000, maxRateLimitWaits: 30 };

/**
 * Token refreshes one call may ask for on a 401. More than one: a call waits its turn in the
 * connection's shared rate budget after a refresh, and a token whose lifetime the CRM does not say
 * (Salesforce) may have been replaced again by another process meanwhile. A credential the CRM
 * keeps refusing still fails after this many.
 */
const MAX_REFRESHES_PER_CALL = 2;

export function emptyStats(): CallStats {
  return { calls: 0, rateLimited: 0, retries: 0, tokenRefreshes: 0 };
}

/** Exponential backoff with full jitter. */
export function backoffMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export interface CallOptions<T> {
  /** Turns whatever the client threw into a CallFailure. */
  describe(err: unknown): CallFailure;
  limiter?: Limiter;
  policy?: RetryPolicy;
  stats?: CallStats;
  /** Called on a 401 with what the client threw (it may say which token failed); the call is then tried once more. */
  onUnauthorized?: (err: unknown) => Promise<void>;
  /** Label for error messages: "HubSpot batch update contacts". */
  what: string;
  sleep?: Sleep;
  _result?: T;
}

/**
 * Runs one CRM call: waits for the rate limiter, retries 429 and other short-lived limit refusals
 * (`limited`) after the server's reset or a jittered backoff without burning the retry budget,
 * retries 5xx and network faults (exponential backoff with jitter), refreshes the token on a 401
 * (at most twice a call), and turns the final failure into a typed InrecordError.
 */
export async function callWithRetry<T>(fn: () => Promise<T>, opts: CallOptions<T>): Promise<T> {
  const policy = opts.policy ?? DEFAULT_RETRY;
  const wait = opts.sleep ?? sleep;
  let faults = 0;
  let rateWaits = 0;
  let refreshes = 0;
  for (;;) {
    const slot = await opts.limiter?.acquire();
    if (opts.stats) opts.stats.calls++;
    try {
      const answer = await fn();
      slot?.release();
      return answer;
    } catch (err) {
      slot?.release();
      if (err instanceof InrecordError) throw err;
      const f = opts.describe(err);
      if (f.status === 429 || f.limited) {
        if (opts.stats) opts.stats.rateLimited++;
        rateWaits++;
        const ms = f.retryAfterMs ?? backoffMs(Math.min(rateWaits, 6), policy);
        opts.limiter?.pauseUntil(Date.now() + ms);
        if (rateWaits <= policy.maxRateLimitWaits) {
          if (!opts.limiter) await wait(ms);
          continue;
        }
        throw new InrecordError('IR_CRM_RATE_LIMITED', `${opts.what}: still rate limited after ${rateWaits} waits: ${f.message}`, {
          context: { status: f.status, crmCode: f.crmCode, retryAfterMs: ms },
          cause: err,
        });
      }
      if (f.status === 401 && opts.onUnauthorized && refreshes < MAX_REFRESHES_PER_CALL) {
        refreshes++;
        await opts.onUnauthorized(err);
        continue;
      }
      const retryable = f.status === undefined || f.status >= 500 || f.status === 408;
      if (retryable && faults < policy.maxRetries) {
        faults++;
        if (opts.stats) opts.stats.retries++;
        await wait(f.retryAfterMs ?? backoffMs(faults, policy));
        continue;
      }
      if (f.status === undefined) {
        // no answer at all: name where the call went and what failed underneath "fetch failed"
        const why = networkCause(err);
        throw new InrecordError(
          'IR_CRM_UNAVAILABLE',
          `${opts.what} failed: no answer${why ? ` (${why})` : ''} after ${faults + 1} attempt(s) with backoff: ${f.message}`,
          {
            retryable: true,
            context: { crmCode: f.crmCode, cause: why },
            cause: err,
            fix: "Check that the CRM's address in the config (crm.baseUrl, or the CRM's default) is right and reachable from this machine (DNS, proxy, firewall). The job that made this call is retried later, and goes to the dead-letter queue if it keeps failing.",
          },
        );
      }
      const cls = classifyHttpStatus(f.status);
      throw new InrecordError(cls.code, `${opts.what} failed (HTTP ${f.status}${f.crmCode ? ` ${f.crmCode}` : ''}): ${f.message}`, {
        retryable: cls.retryable,
        context: { status: f.status, crmCode: f.crmCode },
        cause: err,
      });
    }
  }
}

/**
 * The low-level reason under a failed request, with the host it went to: Node's fetch reports
 * "fetch failed" and keeps e.g. `connect ECONNREFUSED 127.0.0.1:9` or `getaddrinfo ENOTFOUND
 * crm.example` in its cause chain (SDKs wrap it once more).
 */
export function networkCause(err: unknown): string | null {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const x = e as { code?: unknown; message?: unknown; hostname?: unknown; address?: unknown; port?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof x.code === 'string' && /^E[A-Z_]+$/.test(x.code) && typeof x.message === 'string') {
      const where = typeof x.hostname === 'string' ? x.hostname : typeof x.address === 'string' ? `${x.address}${x.port ? `:${x.port}` : ''}` : null;
      return where && !x.message.includes(where) ? `${x.message} (${where})` : x.message;
    }
    // an AggregateError (IPv4 and IPv6 both refused) holds the reasons in `errors`
    if (Array.isArray(x.errors) && x.errors.length > 0) e = x.errors[0];
    else e = x.cause;
  }
  return null;
}
