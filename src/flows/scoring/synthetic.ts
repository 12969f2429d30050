/**
 * A small deterministic lead population whose fields predict conversion, on the field names of
 * EXAMPLE_SCORING_SETTINGS. Used by tests and the scoring benchmark; the seeded CRM world
 * (src/simulators/seed) is the larger, CRM-shaped equivalent.
 */
import { mulberry32 } from '../../random/index.js';
import type { FlowRecord } from '../types.js';

const INDUSTRIES = ['Software', 'Financial Services', 'Healthcare', 'Retail', 'Manufacturing', 'Education', 'Media'];
const INDUSTRY_EFFECT: Record<string, number> = { Software: 0.8, 'Financial Services': 0.4, Healthcare: 0.1, Retail: -0.3, Manufacturing: 0, Education: -0.7, Media: -0.2 };
const SENIORITY = ['C-level', 'VP', 'Director', 'Manager', 'Individual contributor', 'Student'];
const SENIORITY_EFFECT: Record<string, number> = { 'C-level': 0.6, VP: 0.7, Director: 0.5, Manager: 0.1, 'Individual contributor': -0.3, Student: -1.5 };

export interface SyntheticLeads {
  records: FlowRecord[];
  labels: number[];
}

/** `n` leads; about a fifth convert. Dates are relative to `now`. */
export function syntheticLeads(n: number, seed: number, now: Date): SyntheticLeads {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const poisson = (lambda: number) => {
    let k = 0;
    let p = Math.exp(-lambda);
    let s = p;
    const u = rnd();
    while (u > s && k < 100) {
      k++;
      p *= lambda / k;
      s += p;
    }
    return k;
  };
  const records: FlowRecord[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const interest = rnd() * 2 - 1;
    const industry = pick(INDUSTRIES);
    const seniority = pick(SENIORITY);
    const employees = Math.round(Math.exp(2 + rnd() * 8));
    const opens = poisson(Math.max(0.2, 3 + 3 * interest));
    const meetings = poisson(Math.max(0.05, 0.8 + interest));
    const lastOpenDays = opens > 0 ? Math.round(rnd() * (40 - 25 * interest)) : null;
    const daysInStage = Math.round(rnd() * 150);
    const users = rnd() < 0.4 ? poisson(2 + 4 * Math.max(0, interest)) : null;
    const eta =
      -2.2 +
      0.9 * Math.log1p(meetings) +
      0.35 * Math.log1p(opens) +
      INDUSTRY_EFFECT[industry] +
      SENIORITY_EFFECT[seniority] +
      0.25 * Math.log10(employees) -
      0.008 * daysInStage +
      (users === null ? 0 : 0.5 * Math.log1p(users)) +
      (lastOpenDays === null ? -0.3 : -0.02 * lastOpenDays) +
      0.8 * interest;
    const y = rnd() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    const day = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
    records.push({
      id: `lead-${seed}-${i}`,
      fields: {
        email_opens_30d: opens,
        last_email_open: lastOpenDays === null ? null : day(lastOpenDays),
        meetings_30d: meetings,
        days_in_stage: daysInStage,
        product_active_users: users,
        seniority,
        employees,
        industry,
        converted: y === 1,
      },
    });
    labels.push(y);
  }
  return { records, labels };
}
