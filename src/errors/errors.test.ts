import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, InrecordError, classifyHttpStatus, isRetryable } from './index.js';

describe('error catalogue', () => {
  it('gives every code a fix and the IR_ prefix', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^IR_[A-Z_]+$/);
      expect(spec.fix.length).toBeGreaterThan(10);
    }
  });

  it('carries retryable from the catalogue unless overridden', () => {
    expect(new InrecordError('IR_CRM_RATE_LIMITED', 'x').retryable).toBe(true);
    expect(new InrecordError('IR_FIELD_VALUE_INVALID', 'x').retryable).toBe(false);
    expect(new InrecordError('IR_FIELD_VALUE_INVALID', 'x', { retryable: true }).retryable).toBe(true);
    expect(isRetryable(new Error('unknown fault'))).toBe(true);
  });

  it('classifies HTTP statuses: 429 and 5xx retry, other 4xx do not', () => {
    expect(classifyHttpStatus(429).retryable).toBe(true);
    expect(classifyHttpStatus(503).retryable).toBe(true);
    expect(classifyHttpStatus(400).retryable).toBe(false);
    expect(classifyHttpStatus(404).code).toBe('IR_CRM_NOT_FOUND');
  });
});
