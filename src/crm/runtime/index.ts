/**
 * crm/runtime — what every connector needs around its client library, written once: the rate
 * limiter (documented limit, corrected from live headers), one retry policy for every call (429
 * and other short-lived limit refusals waited out without burning the retry budget; 5xx and
 * network faults with backoff and jitter; one token refresh on 401), the daily-quota guard, and
 * token sources (static or OAuth, persisted sealed, one refresh at a time across workers) and
 * re-authorisation of a revoked grant. CRM-neutral:
 * no CRM names in here.
 */
export { type LimitInfo, type Limiter, RateLimiter, type RateWindow, type Sleep, type Slot, sleep } from './limiter.js';
export { type Admission, type BudgetSlot, type BudgetState, type DailyReading, admit, newerReading, windowInForce } from './budget.js';
export { DEFAULT_HOLD_MS, RateBudget, type RateBudgetOptions, SharedLimiter, budgetConnection } from './shared.js';
export { callWithRetry, backoffMs, emptyStats, DEFAULT_RETRY, type CallFailure, type CallOptions, type RetryPolicy } from './retry.js';
export { DEFAULT_QUOTA_RECHECK_MS, QuotaGuard, type QuotaChange, type QuotaGuardOptions } from './quota.js';
export {
  GrantRevoked,
  authorizeUrl,
  isConnectionPaused,
  pausedConnections,
  oauthToken,
  reauthorise,
  reauthorisationGrant,
  staticToken,
  type NewGrant,
  type OAuthSourceOptions,
  type OAuthTokenSource,
  type PausedConnection,
  type Reauthorisation,
  type TokenGrant,
  type TokenSource,
} from './tokens.js';
export { seedAction, tokenHash, type SeedAction } from './grant.js';
