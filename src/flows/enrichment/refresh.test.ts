import { describe, expect, it } from 'vitest';
import type { FieldChange } from '../../crm/types.js';
import { type RefreshReason, decideRefresh } from './refresh.js';

const now = new Date('2026-11-28T00:00:00.000Z');
const ago = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
const change = (actor: FieldChange['actor'], daysAgo: number): FieldChange => ({ id: 'c1', field: 'industry', value: 'x', at: ago(daysAgo), actor });

describe('decideRefresh', () => {
  it.each<[string, Parameters<typeof decideRefresh>[0], boolean, RefreshReason]>([
    ['empty value', { field: 'industry', current: null, stampedAt: null, lastChange: null }, true, 'empty'],
    ['empty list', { field: 'tech', current: [], stampedAt: ago(2), lastChange: null }, true, 'empty'],
    ['enriched 10 days ago', { field: 'industry', current: 'Retail', stampedAt: ago(10), lastChange: change('integration', 10) }, false, 'fresh'],
    ['enriched 31 days ago', { field: 'industry', current: 'Retail', stampedAt: ago(31), lastChange: change('integration', 31) }, true, 'stale'],
    ['exactly the period', { field: 'industry', current: 'Retail', stampedAt: ago(30), lastChange: null }, true, 'stale'],
    ['import with no stamp, old', { field: 'industry', current: 'Retail', stampedAt: null, lastChange: change('import', 90) }, true, 'stale'],
    ['value with no stamp and no history', { field: 'industry', current: 'Retail', stampedAt: null, lastChange: null }, true, 'stale'],
    ['person edited after the stamp, recently', { field: 'industry', current: 'Retail', stampedAt: ago(60), lastChange: change('human', 5) }, false, 'human-value-recent'],
    [
      'person edited 40 days ago, provider data older',
      { field: 'industry', current: 'Retail', stampedAt: ago(60), lastChange: change('human', 40), providerAsOf: ago(50) },
      false,
      'human-value-fresher',
    ],
    [
      'person edited 40 days ago, provider data newer',
      { field: 'industry', current: 'Retail', stampedAt: ago(60), lastChange: change('human', 40), providerAsOf: ago(3) },
      true,
      'human-value-older-than-provider',
    ],
    ['person edited 40 days ago, before lookup', { field: 'industry', current: 'Retail', stampedAt: null, lastChange: change('human', 40) }, true, 'provider-date-unknown'],
    ['person edit before the stamp is superseded by it', { field: 'industry', current: 'Retail', stampedAt: ago(5), lastChange: change('human', 50) }, false, 'fresh'],
  ])('%s', (_n, input, refresh, reason) => {
    const d = decideRefresh(input, now, 30);
    expect(d).toMatchObject({ refresh, reason });
    expect(d.message.startsWith(`${input.field}: `)).toBe(true);
  });

  it('the period is configurable', () => {
    expect(decideRefresh({ field: 'f', current: 1, stampedAt: ago(10), lastChange: null }, now, 7).refresh).toBe(true);
  });
});
