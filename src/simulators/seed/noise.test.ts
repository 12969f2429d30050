import { describe, expect, it } from 'vitest';
import { prng } from './index.js';
import { TYPO_KINDS, addNoise, nicknameOf, typo } from './noise.js';

/** Optimal-string-alignment distance, written out here so the test does not lean on the code it checks. */
function osa(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min(up[j] + 1, row[j - 1] + 1, up[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j], (d[i - 2] as number[])[j - 2] + 1);
    }
  return (d[a.length] as number[])[b.length] as number;
}

describe('noise', () => {
  it.each(TYPO_KINDS)(
    'a %s typo is one edit away, keeps the first letter, and changes the length as it should',
    (kind) => {
      const rnd = prng(7);
      for (const word of ['bridget', 'Urena', 'campbell', 'Oyelaran', 'anna']) {
        for (let k = 0; k < 20; k++) {
          const t = typo(word, kind, rnd);
          expect(t, `${word} → ${t}`).not.toBe(word);
          expect(osa(word, t)).toBe(1);
          expect(t[0]).toBe(word[0]);
          const grow = { insert: 1, delete: -1, keyboard: 0, transpose: 0 }[kind];
          expect(t.length).toBe(word.length + grow);
        }
      }
    },
  );

  it('leaves short words alone', () => {
    expect(typo('al', 'delete', prng(1))).toBe('al');
  });

  it('knows nicknames both ways, in the case written', () => {
    expect(nicknameOf('Robert')).toBe('Bob');
    expect(nicknameOf('bob')).toBe('robert');
    expect(nicknameOf('Zebulon')).toBeNull();
  });

  it('is repeatable, names every change, and at full rates applies each kind', () => {
    const p = {
      firstName: 'William',
      lastName: 'Campbell',
      email: 'w@x.com',
      phone: '+1 415 555 0101',
      companyName: 'Acme',
    };
    const a = addNoise(p, prng(3), undefined, 'karli@x.com');
    expect(addNoise(p, prng(3), undefined, 'karli@x.com')).toEqual(a);
    const all = { typo: 1, nickname: 1, swap: 0, missing: 0, householdMailbox: 1 };
    const n = addNoise(p, prng(5), all, 'karli@x.com');
    expect(n.applied).toEqual(expect.arrayContaining(['nickname', 'household_mailbox']));
    expect(n.applied.filter((x) => x.startsWith('typo:'))).toHaveLength(2);
    expect(n.person.email).toBe('karli@x.com');
    expect(osa(n.person.lastName as string, 'Campbell')).toBe(1);
    const gone = addNoise(p, prng(5), { typo: 0, nickname: 0, swap: 1, missing: 1, householdMailbox: 0 });
    expect(gone.person).toMatchObject({
      firstName: null,
      lastName: 'William',
      phone: null,
      companyName: null,
    });
    expect(gone.applied).toEqual(['swap', 'missing:first', 'missing:phone', 'missing:company']);
    // nothing changes the record handed in
    expect(p.firstName).toBe('William');
  });
});
