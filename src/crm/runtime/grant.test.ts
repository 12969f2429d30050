import { describe, expect, it } from 'vitest';
import { seedAction, tokenHash } from './grant.js';

describe('what the configured refresh token does to the stored grant', () => {
  const cfg = tokenHash('rt-config');
  const cases: { name: string; sourceHash: string | null; status: string; stored: boolean; want: string }[] =
    [
      { name: 'the same config token again', sourceHash: cfg, status: 'active', stored: false, want: 'keep' },
      {
        name: 'the same config token after its grant was revoked',
        sourceHash: cfg,
        status: 'revoked',
        stored: true,
        want: 'keep',
      },
      {
        name: 'a new config token after a revoked grant',
        sourceHash: tokenHash('rt-old'),
        status: 'revoked',
        stored: false,
        want: 'replace',
      },
      {
        name: 'a new config token while the grant is active',
        sourceHash: tokenHash('rt-old'),
        status: 'active',
        stored: false,
        want: 'replace',
      },
      {
        name: 'an older row, active (its stored token may be a rotated one)',
        sourceHash: null,
        status: 'active',
        stored: false,
        want: 'adopt',
      },
      {
        name: 'an older row, revoked, config still holds the revoked token',
        sourceHash: null,
        status: 'revoked',
        stored: true,
        want: 'adopt',
      },
      {
        name: 'an older row, revoked, config holds another token',
        sourceHash: null,
        status: 'revoked',
        stored: false,
        want: 'replace',
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      expect(seedAction({ sourceHash: c.sourceHash, status: c.status }, cfg, () => c.stored)).toBe(c.want);
    });
  }

  it('remembers a token by a hash that does not contain it', () => {
    const h = tokenHash('na1-4f1c9e2a-secret');
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(h).not.toContain('4f1c9e2a');
    expect(tokenHash('a')).not.toBe(tokenHash('b'));
  });
});
