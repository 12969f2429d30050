/**
 * Inbound emails and call notes with an intent label, composed from interchangeable parts so the
 * wording varies (thousands of distinct texts) and a classifier cannot key on one template.
 */
import type { Intent } from './types.js';

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

const PRODUCTS = [
  'the platform',
  'your analytics suite',
  'the enterprise plan',
  'the API add-on',
  'your reporting module',
  'the data sync product',
  'the premium tier',
];
const GREET = ['Hi', 'Hello', 'Hey', 'Good morning', 'Dear team', 'Hi there', 'Hello again'];
const SIGN = ['Thanks', 'Best', 'Cheers', 'Regards', 'Many thanks', 'Kind regards', 'Talk soon'];

const CORE: Record<Intent, readonly ((r: Rnd) => string)[]> = {
  high: [
    (r) =>
      `We are ready to move forward with ${pick(r, PRODUCTS)} and need a quote for ${10 + Math.floor(r() * 490)} seats.`,
    (r) =>
      `Our budget was approved this week; can you send the contract so we can sign before ${pick(r, ['month end', 'the quarter closes', 'Friday', 'our board meeting'])}?`,
    (r) => `Legal has finished the review. Please send over the order form for ${pick(r, PRODUCTS)}.`,
    () => 'We have picked you over the other vendor. What do we need to do to get started this month?',
    (r) =>
      `Procurement asked me for pricing and payment terms for ${10 + Math.floor(r() * 200)} users, we want to purchase this quarter.`,
    () => 'Can we schedule the kickoff? We intend to buy and want implementation to start in two weeks.',
    (r) =>
      `I need a signed quote today to get the PO raised; ${pick(r, ['our CFO', 'finance', 'my VP'])} has signed off.`,
  ],
  medium: [
    (r) =>
      `We are evaluating a few options and ${pick(r, PRODUCTS)} is on the shortlist. Could we book a demo next week?`,
    () => 'Could you share a rough pricing range? We are planning next year’s budget and comparing vendors.',
    (r) =>
      `My team is looking at replacing our current tool in ${pick(r, ['Q1', 'Q2', 'the spring', 'the new year'])}. How does yours handle integrations?`,
    () => 'We would like to understand how your product compares with what we use today. Is there a trial?',
    (r) =>
      `A colleague recommended ${pick(r, PRODUCTS)}. Can someone walk us through the features that matter for a team of ${5 + Math.floor(r() * 80)}?`,
    () =>
      'We might have a project for this later in the year; could you send a case study from our industry?',
  ],
  low: [
    () => 'Just browsing for now, could you send me some general information for later?',
    () => 'Not a priority for us this year, but please keep me on the newsletter.',
    (r) =>
      `I downloaded the ${pick(r, ['whitepaper', 'ebook', 'report', 'checklist'])} out of curiosity; no plans to buy at the moment.`,
    () => 'We signed with another provider last month, maybe check back next year.',
    () => 'I am a student researching the market, happy to read anything you publish.',
    () => 'Thanks for the webinar. Nothing planned on our side, but it was interesting.',
  ],
  not_sales: [
    (r) =>
      `My invoice number ${10000 + Math.floor(r() * 89999)} shows the wrong billing address, can support fix it?`,
    () => 'I cannot log in since the password reset, the link says it expired.',
    (r) =>
      `I am applying for the ${pick(r, ['marketing', 'engineering', 'support', 'finance'])} role posted on your careers page; my CV is attached.`,
    () => 'Please remove me from your mailing list.',
    () => 'We are a recruitment agency and have great candidates for your open positions.',
    (r) => `The export to CSV fails with error ${400 + Math.floor(r() * 100)} since yesterday’s update.`,
    () => 'Out of office: I am away until Monday with limited access to email.',
    () => 'We offer SEO services and can get your site to the first page of Google.',
  ],
};

const EXTRA: Record<Intent, readonly string[]> = {
  high: [
    'Timing matters on our side.',
    'Happy to jump on a call tomorrow.',
    'Please include the annual discount.',
    'We need SSO from day one.',
    '',
  ],
  medium: [
    'No rush, but we would like an answer this month.',
    'We also use Salesforce, if that matters.',
    'Could you include security documentation?',
    '',
  ],
  low: ['No need to call.', 'Feel free to email instead.', ''],
  not_sales: ['This is urgent.', 'Ticket reference attached.', ''],
};

export const SUBJECT: Record<Intent, readonly string[]> = {
  high: ['Quote request', 'Ready to sign', 'Contract', 'Purchase order', 'Next steps', 'Order form'],
  medium: ['Demo request', 'Pricing question', 'Evaluation', 'Comparison', 'Question about features'],
  low: ['Information', 'Newsletter', 'Follow-up', 'Webinar', 'Re: your email'],
  not_sales: [
    'Invoice issue',
    'Login problem',
    'Job application',
    'Unsubscribe',
    'Partnership offer',
    'Bug report',
    'Out of office',
  ],
};

/** One sentence of the given intent and, sometimes, a second line of the same intent. */
export function coreSentence(rnd: Rnd, intent: Intent): string {
  const core = pick(rnd, CORE[intent])(rnd);
  const extra = pick(rnd, EXTRA[intent]);
  return extra ? `${core} ${extra}` : core;
}

export function composeMessage(
  rnd: Rnd,
  intent: Intent,
  kind: 'email' | 'call_note',
  fromFirst: string,
): { subject: string; body: string } {
  const core = pick(rnd, CORE[intent])(rnd);
  const extra = pick(rnd, EXTRA[intent]);
  if (kind === 'call_note') {
    const lead = pick(rnd, ['Call with', 'Spoke to', 'Phone call:', 'Inbound call from', 'Quick call with']);
    const said = pick(rnd, ['said', 'mentioned', 'told me', 'explained']);
    const text = core
      .replace(/\bWe\b/g, 'they')
      .replace(/\bwe\b/g, 'they')
      .replace(/\b[Oo]ur\b/g, 'their')
      .replace(/\bI\b/g, 'they');
    return {
      subject: `Call: ${pick(rnd, SUBJECT[intent])}`,
      body: `${lead} ${fromFirst}. ${fromFirst} ${said}: ${text} ${extra}`.trim(),
    };
  }
  const body = `${pick(rnd, GREET)},\n\n${core}${extra ? ` ${extra}` : ''}\n\n${pick(rnd, SIGN)},\n${fromFirst}`;
  const subject = rnd() < 0.25 ? `Re: ${pick(rnd, SUBJECT[intent])}` : pick(rnd, SUBJECT[intent]);
  return { subject, body };
}
