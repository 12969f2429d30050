import { describe, expect, it } from 'vitest';
import {
  chooseBinning,
  flowAlerts,
  globalAlerts,
  identityFigures,
  measureDrift,
  monitorDue,
  writeFigures,
} from './assess.js';
import { SCORE_BINNING } from './stats.js';
import { normalScores } from './testing/distributions.js';

const t = {
  schedule: '7d',
  psiWarn: 0.1,
  psiAlert: 0.25,
  deadLetterAlert: 10,
  writeSuccessAlert: 0.95,
  notAppliedAlert: 0.02,
  unmatchedAlert: 0.25,
  ksAlpha: 0.01,
  minSample: 30,
};

const training = normalScores(2000, 50, 15, 1);

describe('measureDrift on generated distributions', () => {
  it.each([
    { name: 'same distribution, new draw', sample: normalScores(500, 50, 15, 2), level: 'ok' },
    { name: 'mean +5', sample: normalScores(500, 55, 15, 3), level: 'warn' },
    { name: 'mean +15', sample: normalScores(500, 65, 15, 4), level: 'alert' },
    { name: 'wider spread', sample: normalScores(500, 50, 30, 5), level: 'alert' },
  ])('$name → $level', ({ sample, level }) => {
    const d = measureDrift(training, sample, t, SCORE_BINNING);
    expect(d.level).toBe(level);
    expect(d.psi).not.toBeNull();
    expect(d.histogram?.expected).toHaveLength(10);
  });

  it('names the PSI figure in an alert', () => {
    const d = measureDrift(training, normalScores(500, 65, 15, 4), t, SCORE_BINNING);
    expect(d.reason).toMatch(/^PSI \d\.\d{3} ≥ alert 0.25/);
    const [alert] = flowAlerts('lead-score', d, writeFigures({}), t);
    expect(alert).toMatchObject({ metric: 'drift', severity: 'alert', threshold: 0.25 });
    expect(alert.message).toContain(`PSI ${(d.psi as number).toFixed(3)}`);
  });

  it('does not judge without a reference or with too few scores', () => {
    expect(measureDrift(null, training, t).level).toBe('not_judged');
    expect(measureDrift(training, normalScores(29, 90, 5, 6), t).level).toBe('not_judged');
    expect(flowAlerts('f', measureDrift(null, training, t), writeFigures({}), t)).toEqual([]);
  });

  it('uses 0–100 bins for scoring flows and quantiles otherwise', () => {
    expect(chooseBinning([0, 50, 100], 'scoring')).toEqual(SCORE_BINNING);
    expect(chooseBinning([0.1, 0.9], 'intent').kind).toBe('quantile');
    expect(chooseBinning([-5, 500], 'scoring').kind).toBe('quantile');
  });
});

describe('write and identity figures', () => {
  it.each([
    { outcomes: {}, success: null, notApplied: null, alerts: [] },
    { outcomes: { written: 95, failed: 5 }, success: 0.95, notApplied: 0, alerts: [] },
    {
      outcomes: { written: 90, failed: 10, unchanged: 500 },
      success: 0.9,
      notApplied: 0,
      alerts: ['write_success'],
    },
    { outcomes: { written: 97, not_applied: 3 }, success: 0.97, notApplied: 0.03, alerts: ['not_applied'] },
    { outcomes: { written: 10, conflict_skipped: 90 }, success: 1, notApplied: 0, alerts: [] },
  ] as {
    outcomes: Record<string, number>;
    success: number | null;
    notApplied: number | null;
    alerts: string[];
  }[])(
    '$outcomes → success $success, not applied $notApplied',
    ({ outcomes, success, notApplied, alerts }) => {
      const w = writeFigures(outcomes);
      expect(w.successRate).toBe(success);
      expect(w.notAppliedRate).toBe(notApplied);
      const drift = measureDrift(null, [], t);
      expect(flowAlerts('f', drift, w, t).map((a) => a.metric)).toEqual(alerts);
    },
  );

  it.each([
    { c: { linked: 0, unmatched: 0, ambiguous: 0, otherReview: 0 }, dl: 0, alerts: [] },
    { c: { linked: 8, unmatched: 1, ambiguous: 1, otherReview: 0 }, dl: 9, alerts: [] },
    {
      c: { linked: 6, unmatched: 3, ambiguous: 1, otherReview: 0 },
      dl: 10,
      alerts: ['unmatched', 'dead_letters'],
    },
  ])('identity $c and $dl dead letters → $alerts', ({ c, dl, alerts }) => {
    expect(globalAlerts(identityFigures(c), { open: dl }, t).map((a) => a.metric)).toEqual(alerts);
  });
});

describe('schedule', () => {
  it('is due when never run or a schedule has passed', () => {
    const now = new Date('2026-11-28T10:00:00Z');
    expect(monitorDue(null, 1000, now)).toBe(true);
    expect(monitorDue(new Date(now.getTime() - 999), 1000, now)).toBe(false);
    expect(monitorDue(new Date(now.getTime() - 1000), 1000, now)).toBe(true);
  });
});
