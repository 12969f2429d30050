/**
 * The world's deals, their activities and their outcomes, and the contacts' lifecycle that follows
 * from them. Whether a deal is won depends on the buying company's fit, which no CRM field holds,
 * on the contact's seniority and on the deal's size; deals that end lost or slip stall first (an
 * older stage, close dates moved, dates left to pass), which is what a deal-risk rule can see.
 * Each deal's fate after `now` (won on time, slipped again, lost) and each contact's later move to
 * customer are the ground truth deal risk and contact scoring are judged on.
 */
import type {
  ActivityType,
  DealStage,
  SeedActivity,
  SeedCompany,
  SeedContact,
  SeedDeal,
  Seniority,
} from './types.js';
import { DAY, DEAL_STAGES, STAGE_PROBABILITY, iso, pad, ymd } from './vocab.js';

export interface DealDraws {
  rnd: () => number;
  pick: <T>(xs: readonly T[]) => T;
  int: (min: number, max: number) => number;
  chance: (p: number) => boolean;
  stripLegal: (name: string) => string;
}

const SENIORITY_WIN: Record<Seniority, number> = {
  c_level: 0.7,
  vp: 0.6,
  director: 0.4,
  manager: 0.1,
  individual: -0.3,
  intern: -0.9,
};
const ACT: readonly ActivityType[] = ['email', 'call', 'meeting', 'note'];

export function generateDeals(
  d: DealDraws,
  opts: {
    deals: number;
    now: number;
    companies: SeedCompany[];
    contacts: SeedContact[];
    contactsByCompany: Map<string, number[]>;
  },
): { deals: SeedDeal[]; activities: SeedActivity[] } {
  const { rnd, pick, int, chance } = d;
  const { now, companies, contacts } = opts;
  // The buying company's fit: drives wins, held by no CRM field.
  const fit = new Map<string, number>();
  const fitOf = (id: string) => {
    let f = fit.get(id);
    if (f === undefined) {
      f = (rnd() + rnd() + rnd() - 1.5) * 2;
      fit.set(id, f);
    }
    return f;
  };
  const deals: SeedDeal[] = [];
  const activities: SeedActivity[] = [];
  let actSeq = 0;
  for (let i = 0; i < opts.deals && contacts.length > 0; i++) {
    const anchor = contacts[int(0, contacts.length - 1)] as SeedContact;
    const company = companies[Number(anchor.companyId.slice(3)) - 1] as SeedCompany;
    const peers = opts.contactsByCompany.get(company.id) ?? [];
    const contactIds = [anchor.id];
    if (peers.length > 1 && chance(0.4)) {
      const other = contacts[peers[int(0, peers.length - 1)] as number] as SeedContact;
      if (other.id !== anchor.id) contactIds.push(other.id);
    }
    const amount = Math.round(Math.exp(8 + rnd() * 4) / 100) * 100;
    const created = now - int(5, 300) * DAY;
    const original = created + int(30, 120) * DAY;
    const z =
      -0.7 + 0.9 * fitOf(company.id) + SENIORITY_WIN[anchor.seniority] - 0.25 * (Math.log10(amount) - 4);
    const win = rnd() < 1 / (1 + Math.exp(-z));
    // Close-date pushes: each when the date comes due — a week early on deals that will be won,
    // up to a month late on the others (the date is left to pass).
    const pushes = win ? (chance(0.25) ? int(1, 2) : 0) : chance(0.55) ? int(1, 3) : 0;
    let close = original;
    let pushed = 0;
    let slipsLater = false;
    for (let k = 0; k < pushes; k++) {
      const decidedAt = close + (win ? -7 : int(-7, 30)) * DAY;
      const next = close + int(14, 45) * DAY;
      if (decidedAt > now) {
        slipsLater = true;
        break;
      }
      close = next;
      pushed++;
    }
    const closedBy = slipsLater ? Number.POSITIVE_INFINITY : close + (win ? 0 : int(-10, 40)) * DAY;
    const closed = closedBy <= now;
    let stageIndex: number;
    let stageEntered: number;
    if (closed) {
      stageIndex = win ? 4 : 5;
      stageEntered = Math.min(now, closedBy);
    } else {
      const progress = Math.min(0.99, (now - created) / Math.max(DAY, close - created));
      // deals headed for a loss or a slip stall a stage behind, and have sat in it longer
      stageIndex = Math.min(3, Math.floor(progress * (win ? 4 : 3)));
      stageEntered = created + Math.floor((win ? rnd() : rnd() ** 2.5) * (now - created));
    }
    const stage = DEAL_STAGES[stageIndex] as DealStage;
    const fate: SeedDeal['fate'] = slipsLater ? 'slipped' : win ? 'won' : 'lost';
    const deal: SeedDeal = {
      id: `dl_${pad(i + 1)}`,
      name: `${d.stripLegal(company.name)} — ${pick(['New business', 'Renewal', 'Expansion', 'Pilot', 'Upsell'])}`,
      companyId: company.id,
      contactIds,
      ownerId: anchor.ownerId,
      stage,
      stageIndex,
      amount,
      currency: company.country === 'US' ? 'USD' : company.country === 'GB' ? 'GBP' : 'EUR',
      createdAt: iso(created),
      closeDate: ymd(close),
      originalCloseDate: ymd(original),
      closeDatePushes: pushed,
      stageEnteredAt: iso(stageEntered),
      probability: STAGE_PROBABILITY[stage],
      fate,
      closesLaterOn: !closed && !slipsLater ? ymd(Math.max(now + DAY, closedBy)) : null,
    };
    deals.push(deal);
    // deals headed for a win see more contact
    const nAct = int(1, 6) + (win ? int(0, 3) : 0);
    const last = closed ? closedBy : now;
    for (let k = 0; k < nAct; k++) {
      const type = pick(ACT);
      const at = created + Math.floor(rnd() * Math.max(0, last - created));
      activities.push({
        id: `ac_${pad(++actSeq, 7)}`,
        type,
        subject:
          type === 'email'
            ? pick(['Follow-up', 'Proposal attached', 'Pricing', 'Next steps', 'Intro'])
            : type === 'call'
              ? pick(['Discovery call', 'Check-in call', 'Pricing call'])
              : type === 'meeting'
                ? pick(['Demo', 'Kickoff', 'Negotiation meeting', 'QBR'])
                : pick(['Note', 'Call summary', 'Internal note']),
        body:
          type === 'note'
            ? pick([
                'Champion is keen, economic buyer not yet engaged.',
                'Budget confirmed for next quarter.',
                'Competitor in the deal.',
                'Legal review pending.',
                'No reply for two weeks.',
              ])
            : pick([
                'Discussed scope and timeline.',
                'Sent the proposal.',
                'They asked about security.',
                'Agreed next steps.',
                'Left a voicemail.',
              ]),
        at: iso(at),
        ownerId: anchor.ownerId,
        contactId: pick(contactIds),
        companyId: company.id,
        dealId: deal.id,
        direction: type === 'email' || type === 'call' ? (chance(0.3) ? 'inbound' : 'outbound') : null,
        durationMinutes: type === 'call' ? int(2, 45) : type === 'meeting' ? pick([15, 30, 45, 60]) : null,
      });
    }
  }
  settleLifecycles(d, contacts, deals, fitOf);
  return { deals, activities };
}

/**
 * Each contact's lifecycle stage at `now` follows their deals (customer once one was won,
 * opportunity with one open), and whether they reach customer later: an open deal of theirs that
 * will be won, or — rarely, more for senior people at companies that fit — a purchase no deal in
 * the CRM foreshadows.
 */
function settleLifecycles(
  d: DealDraws,
  contacts: SeedContact[],
  deals: SeedDeal[],
  fitOf: (companyId: string) => number,
) {
  const won = new Set<string>();
  const open = new Set<string>();
  const winsLater = new Set<string>();
  for (const deal of deals)
    for (const c of deal.contactIds) {
      if (deal.stage === 'closed_won') won.add(c);
      else if (deal.stage !== 'closed_lost') {
        open.add(c);
        if (deal.fate === 'won') winsLater.add(c);
      }
    }
  for (const c of contacts) {
    const draw = d.rnd();
    if (won.has(c.id)) {
      c.lifecycleStage = 'customer';
      c.becomesCustomer = false;
      continue;
    }
    c.lifecycleStage = open.has(c.id) ? 'opportunity' : draw < 0.4 ? 'subscriber' : 'lead';
    const z = -4.4 + 0.8 * fitOf(c.companyId) + SENIORITY_WIN[c.seniority];
    c.becomesCustomer = winsLater.has(c.id) || d.rnd() < 1 / (1 + Math.exp(-z));
  }
}
