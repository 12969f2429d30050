/**
 * errors — the one InrecordError family. Every user-facing failure carries a stable code, says
 * what happened (naming the record and field where there is one) and what to do next. `retryable`
 * is read by the job engine: retryable errors are retried with backoff, the others go straight to
 * the dead-letter queue. Codes are never reused; add new ones at the end of their group.
 */

export interface ErrorSpec {
  /** HTTP status when the error crosses the server boundary. */
  status: number;
  retryable: boolean;
  /** What the user should do next. */
  fix: string;
}

export const ERROR_CATALOGUE = {
  // general / CLI
  IR_USAGE: { status: 400, retryable: false, fix: 'Run the command with --help to see its options.' },
  IR_NOT_IMPLEMENTED: { status: 501, retryable: false, fix: 'This command is not available in this version.' },
  IR_INTERNAL: { status: 500, retryable: true, fix: 'Retry; if it persists, report it with the log lines of this run id.' },
  // config
  IR_CONFIG_NOT_FOUND: { status: 400, retryable: false, fix: 'Run `inrecord init` to write an inrecord.yaml, or pass --config <path>.' },
  IR_CONFIG_INVALID: { status: 400, retryable: false, fix: 'Correct the key named in the message in inrecord.yaml.' },
  IR_CONFIG_ENV_MISSING: { status: 400, retryable: false, fix: 'Set the environment variable, or give it a default with ${NAME:-default}.' },
  // store
  IR_STORE_UNAVAILABLE: { status: 503, retryable: true, fix: 'Check DATABASE_URL and that the Postgres server is running, or unset it to use the embedded store.' },
  IR_STORE_MIGRATION_FAILED: { status: 500, retryable: false, fix: 'Check the database user may create tables; the failed migration is named in the message.' },
  IR_STORE_IN_USE: {
    status: 409,
    retryable: false,
    fix: 'The embedded store has one owner at a time. Run the command after the process named in the message stops (Ctrl-C or `kill <pid>` for `inrecord run`), or point both at a Postgres server with DATABASE_URL (or store.databaseUrl in inrecord.yaml).',
  },
  IR_STORE_DAMAGED: {
    status: 500,
    retryable: false,
    fix: 'Move the data dir named in the message aside (keep it until the restore is checked), then `inrecord restore <file>` from the last `inrecord backup`, or start empty.',
  },
  IR_SECRET_KEY_INVALID: { status: 400, retryable: false, fix: 'Set INRECORD_SECRET_KEY to 32 random bytes as base64 or hex (`openssl rand -base64 32`), or unset it to use the key file.' },
  IR_SECRET_KEY_MISMATCH: { status: 500, retryable: false, fix: 'Set INRECORD_SECRET_KEY to the key the secrets were stored with, or re-authorise with `inrecord auth <crm>`.' },
  // jobs
  IR_JOB_FAILED: { status: 500, retryable: true, fix: 'See the dead-letter entry for the cause; `inrecord dlq replay <id>` runs it again.' },
  IR_JOB_NOT_FOUND: { status: 404, retryable: false, fix: 'List dead letters with `inrecord dlq list`.' },
  IR_JOB_POISON: { status: 422, retryable: false, fix: 'Fix the job input named in the message, then `inrecord dlq replay <id>`.' },
  // crm
  IR_CRM_AUTH: { status: 401, retryable: false, fix: 'Check the token or re-authorise the app; flows for this CRM are paused until then.' },
  IR_CRM_GRANT_REVOKED: { status: 401, retryable: false, fix: 'The OAuth grant was revoked: re-authorise with `inrecord auth <crm>` (or put a new refresh token in inrecord.yaml); the flows resume with the new grant.' },
  IR_CRM_RATE_LIMITED: { status: 429, retryable: true, fix: 'Nothing to do: the call is retried after the CRM’s reset time.' },
  IR_CRM_QUOTA_EXHAUSTED: { status: 429, retryable: true, fix: 'The daily API quota is spent; flows resume when it resets, or raise the quota guard in config.' },
  IR_CRM_UNAVAILABLE: { status: 503, retryable: true, fix: 'The CRM answered 5xx or did not answer; the call is retried with backoff.' },
  IR_CRM_NOT_FOUND: { status: 404, retryable: false, fix: 'The record no longer exists in the CRM (deleted or merged); its identity link is invalidated.' },
  IR_CRM_VALIDATION: { status: 400, retryable: false, fix: 'The CRM rejected the value; see the field and value in the message and fix the mapping.' },
  IR_CRM_UNSUPPORTED: { status: 400, retryable: false, fix: 'This CRM does not support the action; remove it from the flow for this CRM.' },
  IR_CRM_BAD_RESPONSE: { status: 502, retryable: true, fix: 'The CRM answered something unexpected; retried, then dead-lettered with the body.' },
  // identity
  IR_IDENTITY_AMBIGUOUS: { status: 409, retryable: false, fix: 'Resolve it in the review queue (`inrecord review`).' },
  IR_IDENTITY_UNMATCHED: { status: 404, retryable: false, fix: 'Resolve it in the review queue (`inrecord review`): pick the record or mark it not in the CRM.' },
  IR_INPUT_INVALID: { status: 400, retryable: false, fix: 'Correct the input line named in the message.' },
  // write-back
  IR_FIELD_NOT_FOUND: { status: 400, retryable: false, fix: 'Create the field (`inrecord check --fix`) or correct its name in the mapping.' },
  IR_FIELD_READ_ONLY: { status: 400, retryable: false, fix: 'Map the output to a writable field.' },
  IR_FIELD_TYPE_MISMATCH: { status: 400, retryable: false, fix: 'Map the output to a field of a compatible type, or change the flow’s output type.' },
  IR_FIELD_VALUE_INVALID: { status: 400, retryable: false, fix: 'The value does not fit the field; see the expected type in the message.' },
  IR_FIELD_OWNED_BY_REP: { status: 400, retryable: false, fix: 'Fields owned by `rep` are never written: change the ownership or the mapping.' },
  IR_WRITE_NOT_APPLIED: { status: 502, retryable: false, fix: 'The CRM accepted the write but the value did not change; check the field’s type and validation rules.' },
  IR_RUN_NOT_FOUND: { status: 404, retryable: false, fix: 'List runs with `inrecord runs` or the console.' },
  // triggers / server
  IR_WEBHOOK_SIGNATURE: { status: 401, retryable: false, fix: 'Check the app secret / Basic auth / org id configured for this CRM’s webhooks.' },
  IR_WEBHOOK_PAYLOAD: { status: 400, retryable: false, fix: 'The webhook body is not valid JSON/XML for this CRM.' },
  IR_WEBHOOK_TOO_LARGE: { status: 413, retryable: false, fix: 'The delivery holds more events or bytes than the CRM sends in one; check what is posting to this endpoint.' },
  IR_STREAM_RESUME_EXPIRED: {
    status: 410,
    retryable: false,
    fix: 'Nothing to do: the stored change-stream position is older than the CRM keeps events, so inrecord polls from its poll cursor to catch up and streams new changes from then on.',
  },
  IR_SERVER_UNAUTHORISED: { status: 401, retryable: false, fix: 'Send the console token as `Authorization: Bearer <token>`, or open the console once with `?token=<token>`.' },
  IR_SERVER_BAD_PATH: { status: 400, retryable: false, fix: 'Request the path as the console links it: no `.` or `..` segments and no encoded slashes.' },
  IR_SERVER_HOST_REFUSED: { status: 421, retryable: false, fix: 'Open the console at the address in server.publicUrl (or localhost when it listens on loopback); set server.publicUrl to the name clients use.' },
  IR_SERVER_CROSS_SITE: { status: 403, retryable: false, fix: 'Use the console’s own pages; another site cannot act on it. API clients send no Origin header.' },
  IR_SERVER_CONTENT_TYPE: { status: 415, retryable: false, fix: 'Send the body as application/json or as a form (application/x-www-form-urlencoded).' },
  IR_SERVER_BIND: { status: 503, retryable: false, fix: 'Stop the process that holds the port, or choose another with server.port or --port.' },
  IR_SERVER_BODY_TOO_LARGE: { status: 413, retryable: false, fix: 'Send a smaller body: the server takes at most 1 MiB per request.' },
  IR_SERVER_STARTING: { status: 503, retryable: true, fix: 'Retry in a few seconds: the daemon is starting.' },
  IR_SERVER_NOT_FOUND: { status: 404, retryable: false, fix: 'Follow the console’s links; the API lives under /api and webhooks under /webhooks/<crm>.' },
  // flows
  IR_FLOW_OUTPUT_INVALID: { status: 422, retryable: false, fix: 'The model produced a value that does not fit the target field; it was not written.' },
  IR_LLM_UNAVAILABLE: { status: 503, retryable: true, fix: 'The LLM endpoint did not answer; retried with backoff.' },
  IR_MODEL_NOT_TRAINED: { status: 409, retryable: false, fix: 'Train the model with `inrecord train <flow>` (its report says why a model was not served), or use `model: auto` or `model: rules`.' },
  IR_LLM_BAD_RESPONSE: { status: 502, retryable: false, fix: 'The LLM answered something that is not the requested JSON; set fallback: local, or use a model that supports structured output.' },
  IR_LLM_REFUSED: { status: 422, retryable: false, fix: 'The LLM refused the request; the local model answers when fallback: local is set.' },
  IR_ENRICHMENT_UNAVAILABLE: { status: 503, retryable: true, fix: 'The enrichment provider did not answer or answered an error; retried with backoff. Check its URL and auth header.' },
  IR_MODEL_TOO_FEW_LABELS: { status: 409, retryable: false, fix: 'Label more records as converted or not (settings.label.positive / negative, or settings.label.decided for a field whose "no" also means "still open"), or use `model: auto` or `model: rules`.' },
  IR_MODEL_NOT_CONVERGED: { status: 409, retryable: false, fix: 'The fit is reported with the flow’s model metrics; set a stronger settings.l2 or remove features that copy one another, or use `model: auto`, which keeps the rules.' },
  IR_MODEL_NOT_BETTER: { status: 409, retryable: false, fix: 'The trained model does not rank held-out records clearly better than the rules; use `model: auto` (keeps the rules until it does) or `model: rules`, or add more labelled history.' },
  // monitor
  IR_GATE_CLOSED: { status: 409, retryable: false, fix: 'The flow is in shadow mode until its validation sample passes; label samples with `inrecord review`.' },
  IR_GATE_SAMPLE_NOT_FOUND: { status: 404, retryable: false, fix: 'List the flow’s samples with `inrecord review samples <flow>`.' },
  IR_REVIEW_NOT_FOUND: { status: 404, retryable: false, fix: 'List open items with `inrecord review list`.' },
  IR_REVIEW_ALREADY_RESOLVED: { status: 409, retryable: false, fix: 'The item was already resolved; see who and when with `inrecord review show <id>`.' },
  IR_MONITOR_NO_REFERENCE: { status: 409, retryable: false, fix: 'Train the flow’s model so its training score distribution is stored, or pass --reference <file.json>.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorContext {
  crm?: string;
  object?: string;
  recordId?: string;
  field?: string;
  value?: unknown;
  [key: string]: unknown;
}

export class InrecordError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly status: number;
  readonly fix: string;
  readonly context: ErrorContext;

  constructor(
    code: ErrorCode,
    message: string,
    options: { context?: ErrorContext; cause?: unknown; retryable?: boolean; fix?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InrecordError';
    const spec: ErrorSpec = ERROR_CATALOGUE[code];
    this.code = code;
    this.retryable = options.retryable ?? spec.retryable;
    this.status = spec.status;
    this.fix = options.fix ?? spec.fix;
    this.context = options.context ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retryable: this.retryable, fix: this.fix, context: this.context };
  }
}

export function isInrecordError(err: unknown): err is InrecordError {
  return err instanceof InrecordError;
}

/** Whether the job engine should retry this failure. Unknown faults are retried (they may be transient). */
export function isRetryable(err: unknown): boolean {
  if (isInrecordError(err)) return err.retryable;
  return true;
}

/** Classifies an HTTP status once, for every outbound call: network, 429 and 5xx retry; other 4xx do not. */
export function classifyHttpStatus(status: number): { code: ErrorCode; retryable: boolean } {
  if (status === 429) return { code: 'IR_CRM_RATE_LIMITED', retryable: true };
  if (status === 401 || status === 403) return { code: 'IR_CRM_AUTH', retryable: false };
  if (status === 404) return { code: 'IR_CRM_NOT_FOUND', retryable: false };
  if (status >= 500 || status === 408) return { code: 'IR_CRM_UNAVAILABLE', retryable: true };
  return { code: 'IR_CRM_VALIDATION', retryable: false };
}
