import { describe, expect, it } from 'vitest';
import { CLEAN_RATES, type InboundNoise, inboundText, realisticInboundSet } from './inbound.js';

describe('realistic inbound mail', () => {
  const set = realisticInboundSet(5, 400);

  it('is the same mail for the same seed, other mail for another', () => {
    expect(realisticInboundSet(5, 400)).toEqual(set);
    expect(realisticInboundSet(6, 400).map(inboundText)).not.toEqual(set.map(inboundText));
  });

  it('carries every kind of noise, in the shares asked for, and many distinct texts', () => {
    const count = (k: InboundNoise) => set.filter((m) => m.noise.includes(k)).length;
    for (const k of [
      'auto_reply',
      'quoted_reply',
      'forwarded',
      'forwarded_intent',
      'signature',
      'disclaimer',
      'foreign',
      'mixed_language',
      'html',
      'typos',
    ] as const) {
      expect(count(k), k).toBeGreaterThan(0);
    }
    expect(count('quoted_reply') / set.length).toBeGreaterThan(0.3);
    expect(new Set(set.map((m) => m.language))).toEqual(new Set(['en', 'de', 'fr', 'es']));
    expect(new Set(set.map(inboundText)).size / set.length).toBeGreaterThan(0.95);
  });

  it('shows each kind of noise the way mail clients write it', () => {
    const one = (k: InboundNoise) =>
      set
        .filter((m) => m.noise.includes(k))
        .map(inboundText)
        .join('\n');
    expect(one('quoted_reply')).toMatch(/^> |wrote:|schrieb .*:|a écrit :|escribió:|^From: .*\nSent:/m);
    expect(one('forwarded')).toMatch(
      /Forwarded message|Begin forwarded message|Weitergeleitete Nachricht|Message transféré/,
    );
    expect(one('html')).toMatch(/<(div|p class=MsoNormal)>.*&/);
    expect(one('auto_reply')).toMatch(
      /out of the office|Abwesenheitsnotiz|absent du bureau|fuera de la oficina/i,
    );
  });

  it('an out-of-office notice is not_sales; the drawn intents come in equal shares', () => {
    for (const m of set.filter((x) => x.noise.includes('auto_reply'))) expect(m.intent).toBe('not_sales');
    const clean = realisticInboundSet(5, 400, CLEAN_RATES);
    for (const label of ['high', 'medium', 'low', 'not_sales'])
      expect(clean.filter((m) => m.intent === label)).toHaveLength(100);
    expect(clean.every((m) => m.noise.length === 0 && m.language === 'en')).toBe(true);
  });
});
