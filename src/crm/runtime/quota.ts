import { InrecordError } from '../../errors/index.js';

/**
 * Daily-quota guard (Salesforce API requests per 24 h, Pipedrive daily tokens): when the share of
 * the quota spent reaches the guard, calls pause — a retryable error that tells the job engine
 * when to resume — instead of spending the rest of the org's allowance and failing everything else.
 */
export class QuotaGuard {
  private used = 0;
  private max = Number.POSITIVE_INFINITY;
  private resetAt = 0;

  constructor(
    private readonly guard: number,
    private readonly what: string,
    private readonly now: () => number = Date.now,
  ) {}

  observe(used: number, max: number, resetAt?: number): void {
    this.used = used;
    this.max = max;
    if (resetAt) this.resetAt = resetAt;
  }

  get share(): number {
    return Number.isFinite(this.max) && this.max > 0 ? this.used / this.max : 0;
  }

  /** Throws a retryable IR_CRM_QUOTA_EXHAUSTED when the guard is reached. */
  check(): void {
    if (this.share < this.guard) return;
    const resumeAt = this.resetAt || this.now() + 60 * 60 * 1000;
    throw new InrecordError(
      'IR_CRM_QUOTA_EXHAUSTED',
      `${this.what}: ${this.used} of ${this.max} daily API units used (guard ${Math.round(this.guard * 100)}%); paused until ${new Date(resumeAt).toISOString()}`,
      { context: { used: this.used, max: this.max, resumeAt: new Date(resumeAt).toISOString() } },
    );
  }
}
