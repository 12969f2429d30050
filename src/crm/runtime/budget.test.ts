import { describe, expect, it } from 'vitest';
import { type BudgetSlot, admit, newerReading, windowInForce } from './budget.js';

const W = 1_000;
const HOLD = 30_000;
const answered = (expiresAt: number): BudgetSlot => ({ expiresAt, pending: false });
const inFlight = (admittedAt: number): BudgetSlot => ({ expiresAt: admittedAt + W + HOLD, pending: true });

describe('admit (shared rate budget)', () => {
  it('grants as many calls as the window has room for', () => {
    const a = admit(
      { callsPerWindow: 5, windowMs: W, pausedUntil: 0, slots: [answered(1_500), answered(1_600)] },
      1_000,
      10,
      HOLD,
    );
    expect(a.granted).toBe(3);
    // the granted slots lapse by themselves if their process never reports the answer
    expect(a.expiresAt).toBe(1_000 + W + HOLD);
  });

  it('grants everything asked when there is room, with no wait', () => {
    expect(admit({ callsPerWindow: 5, windowMs: W, pausedUntil: 0, slots: [] }, 0, 2, HOLD)).toEqual({
      granted: 2,
      expiresAt: W + HOLD,
      waitMs: 0,
    });
  });

  it('does not count slots that have lapsed', () => {
    const a = admit(
      {
        callsPerWindow: 2,
        windowMs: W,
        pausedUntil: 0,
        slots: [answered(900), answered(1_000), answered(1_200)],
      },
      1_000,
      5,
      HOLD,
    );
    expect(a.granted).toBe(1);
  });

  it('a full window waits until its soonest answered slot lapses', () => {
    const a = admit(
      {
        callsPerWindow: 3,
        windowMs: W,
        pausedUntil: 0,
        slots: [answered(1_700), answered(1_300), answered(1_900)],
      },
      1_000,
      1,
      HOLD,
    );
    expect(a.granted).toBe(0);
    expect(a.waitMs).toBe(301);
  });

  it('a call still in flight frees no sooner than one window from now (its answer is not in)', () => {
    const a = admit(
      { callsPerWindow: 2, windowMs: W, pausedUntil: 0, slots: [inFlight(900), inFlight(950)] },
      1_000,
      1,
      HOLD,
    );
    expect(a.granted).toBe(0);
    expect(a.waitMs).toBe(W + 1);
  });

  it('a slot of a process that died lapses at its hold', () => {
    const stale = inFlight(0); // expires at W + HOLD
    expect(
      admit({ callsPerWindow: 1, windowMs: W, pausedUntil: 0, slots: [stale] }, W + HOLD - 10, 1, HOLD),
    ).toMatchObject({ granted: 0, waitMs: 11 });
    expect(
      admit({ callsPerWindow: 1, windowMs: W, pausedUntil: 0, slots: [stale] }, W + HOLD, 1, HOLD).granted,
    ).toBe(1);
  });

  it('counts the calls it grants when telling the rest how long to wait', () => {
    // room for 1 of 3: the next room is when the older of the two answered slots lapses
    const a = admit(
      { callsPerWindow: 3, windowMs: W, pausedUntil: 0, slots: [answered(1_400), answered(1_200)] },
      1_000,
      3,
      HOLD,
    );
    expect(a.granted).toBe(1);
    expect(a.waitMs).toBe(201);
  });

  it('holds every call while the CRM asked for a pause', () => {
    expect(
      admit({ callsPerWindow: 100, windowMs: W, pausedUntil: 1_800, slots: [] }, 1_000, 4, HOLD),
    ).toMatchObject({ granted: 0, waitMs: 800 });
  });

  it('a window lowered below its live slots admits nothing until enough lapse', () => {
    const slots = [answered(1_100), answered(1_200), answered(1_300), answered(1_400)];
    const a = admit({ callsPerWindow: 2, windowMs: W, pausedUntil: 0, slots }, 1_000, 1, HOLD);
    expect(a.granted).toBe(0);
    // 4 live, 1 more may be admitted once only 1 is left: after the third lapses
    expect(a.waitMs).toBe(301);
  });

  it('never lets a window hold more than its limit over a run of admissions', () => {
    // one simulated budget, callers arriving every 7 ms, each answered 40 ms after admission
    const limit = 10;
    const slots: { admittedAt: number; answeredAt: number }[] = [];
    let t = 0;
    let next = 0;
    while (t < 5_000) {
      const view = slots.map((s) =>
        s.answeredAt <= t ? answered(s.answeredAt + W) : inFlight(s.admittedAt),
      );
      const a = admit({ callsPerWindow: limit, windowMs: W, pausedUntil: 0, slots: view }, t, 1, HOLD);
      if (a.granted === 1) slots.push({ admittedAt: t, answeredAt: t + 40 });
      next = a.granted === 1 ? t + 7 : t + a.waitMs;
      t = next;
    }
    // the CRM sees each call somewhere between admission and answer: even at the worst of those, no window holds more than the limit
    for (const arrive of ['admittedAt', 'answeredAt'] as const) {
      const at = slots.map((s) => s[arrive]).sort((a, b) => a - b);
      for (let i = limit; i < at.length; i++) expect(at[i] - at[i - limit]).toBeGreaterThan(W - 1);
    }
    // and the pace is close to the limit's bound: 10 per (window + 40 ms answer)
    expect(slots.length).toBeGreaterThan(40);
  });
});

describe('newerReading (daily allocation)', () => {
  const r = (used: number, observedAt: number) => ({ used, max: 1_000, resetAt: null, observedAt });
  it('takes the later reading of the CRM counter, whichever process read it', () => {
    expect(newerReading(r(10, 5), r(8, 6))).toEqual(r(8, 6));
    expect(newerReading(r(10, 7), r(8, 6))).toEqual(r(10, 7));
    expect(newerReading(null, r(8, 6))).toEqual(r(8, 6));
    expect(newerReading(r(8, 6), null)).toEqual(r(8, 6));
  });
});

describe('windowInForce', () => {
  it('is the window the CRM reported over the configured one, and the configured one until it reports', () => {
    const configured = { callsPerWindow: 100, windowMs: 10_000 };
    expect(windowInForce(configured, null)).toBe(configured);
    expect(windowInForce(configured, { callsPerWindow: 190, windowMs: 10_000 })).toEqual({
      callsPerWindow: 190,
      windowMs: 10_000,
    });
  });
});
