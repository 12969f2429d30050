import { describe, expect, it } from 'vitest';
import { shorten } from './steps.js';

describe('shorten', () => {
  it('keeps a short reason whole', () => {
    expect(shorten('no email, name or company to match on', 90)).toBe(
      'no email, name or company to match on',
    );
  });
  it('cuts a long reason at a word, never inside one, and marks the cut', () => {
    const reason =
      'CRM duplicates: … records for Ann Lee share the email …; merge them in the CRM or pick one in review';
    const cut = shorten(reason, 60);
    expect(cut.length).toBeLessThanOrEqual(60);
    expect(cut.endsWith(' …')).toBe(true);
    expect(reason.startsWith(cut.slice(0, -2))).toBe(true);
    expect(reason[cut.length - 2]).toMatch(/[ ;,:]/);
  });
});
