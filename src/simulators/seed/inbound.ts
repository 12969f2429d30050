/**
 * Inbound mail the way a sales inbox receives it, with the sender's intent known: the sentence that
 * carries the intent (messages.ts and inbound-text.ts) wrapped in what real mail carries around it —
 * a quoted thread under a reply ("On Mon, … wrote:" and ">" lines, or an Outlook header block), a
 * signature and a legal disclaimer, an out-of-office notice in place of an answer, a forwarded
 * thread, German, French and Spanish mail or phrases, HTML left over from a mail client, typos.
 * Every draw comes from the caller's seeded generator, so a seed gives the same mail, and each
 * message names the noise it carries (`noise`) so a measurement can break its figures down by it.
 */
import { mulberry32 } from '../../random/index.js';
import {
  AUTO_REPLIES,
  CORE_EN,
  CORE_FOREIGN,
  DISCLAIMERS,
  FILLERS,
  FORWARD_NOTES,
  GREETINGS,
  LANGUAGES,
  type Language,
  NEWSLETTERS,
  OUTBOUND_SUBJECTS,
  REP_OUTBOUND,
  SIGNATURE_TAILS,
  SIGNATURE_TITLES,
  SIGNOFFS,
} from './inbound-text.js';
import { SUBJECT, coreSentence } from './messages.js';
import { TYPO_KINDS, typo } from './noise.js';
import type { Intent } from './types.js';

export type { Language } from './inbound-text.js';

export type InboundNoise =
  | 'auto_reply'
  | 'quoted_reply'
  | 'forwarded'
  | 'forwarded_intent'
  | 'signature'
  | 'disclaimer'
  | 'foreign'
  | 'mixed_language'
  | 'html'
  | 'typos';

/** How often each kind of noise strikes one message (each a probability in [0, 1]). */
export interface InboundRates {
  /** An out-of-office notice instead of an answer (its sender's intent: not_sales). */
  autoReply: number;
  quotedReply: number;
  /** A forwarded thread under the sender's note (a third of them: the intent is in the forwarded mail). */
  forwarded: number;
  signature: number;
  disclaimer: number;
  /** The whole mail in German, French or Spanish. */
  foreign: number;
  /** An English mail with a German, French or Spanish greeting, phrase and sign-off. */
  mixed: number;
  html: number;
  typos: number;
}

/** Rates in the range of a B2B sales inbox: most mail is a reply, a third carries HTML or typos. */
export const REALISTIC_RATES: InboundRates = {
  autoReply: 0.06,
  quotedReply: 0.45,
  forwarded: 0.08,
  signature: 0.6,
  disclaimer: 0.2,
  foreign: 0.15,
  mixed: 0.15,
  html: 0.15,
  typos: 0.3,
};

/** No noise: the intent sentence between a greeting and a sign-off. */
export const CLEAN_RATES: InboundRates = {
  autoReply: 0,
  quotedReply: 0,
  forwarded: 0,
  signature: 0,
  disclaimer: 0,
  foreign: 0,
  mixed: 0,
  html: 0,
  typos: 0,
};

export interface InboundSender {
  firstName: string;
  lastName: string;
  company: string;
}

export interface InboundMessage {
  subject: string;
  body: string;
  /** The sender's intent (ground truth). */
  intent: Intent;
  language: Language;
  noise: InboundNoise[];
}

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const REPS = ['Dana Lee', 'Sam Carter', 'Priya Shah', 'Tom Becker'];
/** Subjects a sender writes (an out-of-office subject belongs to the notices alone). */
const subjects = (intent: Intent) => SUBJECT[intent].filter((x) => x !== 'Out of office');

/** The text a flow reads: subject line, blank line, body (as a rep files it in a record). */
export function inboundText(m: Pick<InboundMessage, 'subject' | 'body'>): string {
  return `${m.subject}\n\n${m.body}`;
}

function date(rnd: Rnd, lang: Language): string {
  const d = 1 + Math.floor(rnd() * 28);
  const m = 1 + Math.floor(rnd() * 12);
  return lang === 'en' ? `${d}/${m}/2027` : lang === 'de' ? `${d}.${m}.2027` : `${d}/${m}/2027`;
}

function email(name: string, domain: string): string {
  const ascii = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  return `${ascii.toLowerCase().replace(/[^a-z]+/g, '.')}@${domain}`;
}

/** One to three words of five letters or more, each with one typo of a random kind. */
function addTypos(rnd: Rnd, text: string): string {
  const words = text.split(' ');
  const long = words.map((w, i) => (/^[A-Za-z]{5,}$/.test(w) ? i : -1)).filter((i) => i >= 0);
  const n = Math.min(long.length, 1 + Math.floor(rnd() * 3));
  for (let k = 0; k < n; k++) {
    const i = pick(rnd, long);
    words[i] = typo(words[i] as string, pick(rnd, TYPO_KINDS), rnd);
  }
  return words.join(' ');
}

function signature(rnd: Rnd, s: InboundSender): string[] {
  const lines = [`${s.firstName} ${s.lastName}`, pick(rnd, SIGNATURE_TITLES), s.company];
  if (rnd() < 0.7)
    lines.push(
      `Tel. +${30 + Math.floor(rnd() * 20)} ${100 + Math.floor(rnd() * 900)} ${1000 + Math.floor(rnd() * 9000)}`,
    );
  if (rnd() < 0.4) lines.push(pick(rnd, SIGNATURE_TAILS));
  return rnd() < 0.3 ? ['-- ', ...lines] : lines;
}

/** The header a mail client writes above a quoted reply, in the sender's client language. */
function quoteHeader(
  rnd: Rnd,
  lang: Language,
  rep: string,
  subject: string,
): { lines: string[]; prefix: string } {
  const addr = email(rep, 'vendor.io');
  const when = date(rnd, lang);
  const style = rnd() < 0.3 ? 'outlook' : 'client';
  if (style === 'outlook') {
    const [from, sent, to, subj] =
      lang === 'de'
        ? ['Von', 'Gesendet', 'An', 'Betreff']
        : lang === 'fr'
          ? ['De', 'Envoyé', 'À', 'Objet']
          : lang === 'es'
            ? ['De', 'Enviado', 'Para', 'Asunto']
            : ['From', 'Sent', 'To', 'Subject'];
    const rule = rnd() < 0.5 ? ['________________________________'] : ['-----Original Message-----'];
    return {
      lines: [
        ...rule,
        `${from}: ${rep} <${addr}>`,
        `${sent}: ${when} 09:${10 + Math.floor(rnd() * 49)}`,
        `${to}: me`,
        `${subj}: ${subject}`,
        '',
      ],
      prefix: '',
    };
  }
  const line =
    lang === 'de'
      ? `Am ${when} um 10:15 schrieb ${rep} <${addr}>:`
      : lang === 'fr'
        ? `Le ${when} à 10:15, ${rep} <${addr}> a écrit :`
        : lang === 'es'
          ? `El ${when} a las 10:15, ${rep} <${addr}> escribió:`
          : `On ${when} at 10:15, ${rep} <${addr}> wrote:`;
  // long headers wrap in plain-text mail
  const wrapped = rnd() < 0.2 ? [line.slice(0, line.indexOf('<')), line.slice(line.indexOf('<'))] : [line];
  return { lines: wrapped, prefix: '> ' };
}

/** A rep's outbound pitch quoted under a reply, with its client's header. */
function quotedPitch(rnd: Rnd, lang: Language, subject: string): string[] {
  const h = quoteHeader(rnd, lang, pick(rnd, REPS), subject);
  return [
    ...h.lines,
    ...pick(rnd, REP_OUTBOUND)
      .split('\n')
      .map((l) => h.prefix + l),
  ];
}

function forwardHeader(
  rnd: Rnd,
  lang: Language,
  from: string,
  fromDomain: string,
  subject: string,
): string[] {
  const rule =
    lang === 'de'
      ? '-------- Weitergeleitete Nachricht --------'
      : lang === 'fr'
        ? '-------- Message transféré --------'
        : rnd() < 0.5
          ? '---------- Forwarded message ---------'
          : 'Begin forwarded message:';
  return [
    rule,
    `From: ${from} <${email(from, fromDomain)}>`,
    `Date: ${date(rnd, lang)}`,
    `Subject: ${subject}`,
    'To: sales@vendor.io',
    '',
  ];
}

function toHtml(rnd: Rnd, body: string): string {
  const esc = (l: string) =>
    l
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/'/g, '&#39;')
      .replace(/ {2}/g, ' &nbsp;');
  const outlook = rnd() < 0.5;
  const lines = body
    .split('\n')
    .map((l) =>
      l === ''
        ? outlook
          ? '<p class=MsoNormal><o:p>&nbsp;</o:p></p>'
          : '<div><br></div>'
        : outlook
          ? `<p class=MsoNormal>${esc(l)}<o:p></o:p></p>`
          : `<div>${esc(l)}</div>`,
    );
  const head =
    rnd() < 0.5
      ? '<html><head><style>p.MsoNormal{margin:0cm;font-family:Calibri}</style></head><body>'
      : '<div dir="ltr">';
  return `${head}\n${lines.join('\n')}\n${head.startsWith('<html') ? '</body></html>' : '</div>'}`;
}

/** What the sender writes: greeting, the intent sentence(s), a filler, sign-off and name (and the noise it took). */
function ownWords(
  rnd: Rnd,
  intent: Intent,
  s: InboundSender,
  rates: InboundRates,
  noise: InboundNoise[],
): { lines: string[]; lang: Language } {
  let lang: Language = 'en';
  let mixed: Exclude<Language, 'en'> | null = null;
  const other = () => pick(rnd, LANGUAGES.slice(1)) as Exclude<Language, 'en'>;
  if (rnd() < rates.foreign) {
    lang = other();
    noise.push('foreign');
  } else if (rnd() < rates.mixed) {
    mixed = other();
    noise.push('mixed_language');
  }
  const english = () => {
    if (rnd() < 0.5) return pick(rnd, CORE_EN[intent]);
    // the world's own out-of-office line is a notice, drawn apart (autoReply)
    let s = coreSentence(rnd, intent);
    while (s.startsWith('Out of office')) s = coreSentence(rnd, intent);
    return s;
  };
  let core = lang === 'en' ? english() : pick(rnd, CORE_FOREIGN[lang][intent]);
  if (lang === 'en' && rnd() < 0.3) {
    const second = english();
    if (second.slice(0, 24) !== core.slice(0, 24)) core = `${core} ${second}`;
  }
  if (rnd() < rates.typos) {
    core = addTypos(rnd, core);
    noise.push('typos');
  }
  const voice = mixed ?? lang;
  const lines = [`${pick(rnd, GREETINGS[voice])},`, '', core];
  if (mixed) lines.push(pick(rnd, FILLERS[mixed]));
  lines.push('', `${pick(rnd, SIGNOFFS[voice])},`);
  if (rnd() < rates.signature) {
    lines.push(...signature(rnd, s));
    noise.push('signature');
  } else lines.push(s.firstName);
  if (rnd() < rates.disclaimer) {
    lines.push('', pick(rnd, DISCLAIMERS));
    noise.push('disclaimer');
  }
  return { lines, lang };
}

function autoReply(rnd: Rnd, s: InboundSender, rates: InboundRates): InboundMessage {
  const lang = rnd() < 0.55 ? 'en' : (pick(rnd, LANGUAGES.slice(1)) as Language);
  const t = pick(rnd, AUTO_REPLIES[lang]);
  const fill = (x: string) =>
    x
      .replace('{subject}', pick(rnd, OUTBOUND_SUBJECTS))
      .replace('{date}', date(rnd, lang))
      .replace('{name}', `${pick(rnd, ['Anna', 'Marc', 'Lucía', 'Jonas'])} ${s.lastName}`);
  const noise: InboundNoise[] = ['auto_reply'];
  const lines = [fill(t.body), ''];
  if (rnd() < rates.signature) {
    lines.push(...signature(rnd, s));
    noise.push('signature');
  }
  if (rnd() < rates.quotedReply) {
    lines.push('', ...quotedPitch(rnd, lang, 'Re'));
    noise.push('quoted_reply');
  }
  return { subject: fill(t.subject), body: lines.join('\n'), intent: 'not_sales', language: lang, noise };
}

/** One inbound email from `sender` written with `intent` (an out-of-office notice is not_sales whatever was drawn). */
export function realisticInbound(
  rnd: Rnd,
  intent: Intent,
  sender: InboundSender,
  rates: InboundRates = REALISTIC_RATES,
): InboundMessage {
  if (rnd() < rates.autoReply) return autoReply(rnd, sender, rates);
  const noise: InboundNoise[] = [];
  const { lines, lang } = ownWords(rnd, intent, sender, rates, noise);
  let subject = pick(rnd, subjects(intent));
  let body = lines;
  if (rnd() < rates.quotedReply) {
    const thread = pick(rnd, OUTBOUND_SUBJECTS);
    subject = `${lang === 'de' ? 'AW' : lang === 'fr' ? 'RE' : lang === 'es' ? 'RE' : pick(rnd, ['Re', 'RE'])}: ${thread}`;
    body = [...body, '', ...quotedPitch(rnd, lang, thread)];
    noise.push('quoted_reply');
  } else if (rnd() < rates.forwarded) {
    const fwd = lang === 'de' ? 'WG' : lang === 'fr' ? 'TR' : 'Fwd';
    if (rnd() < 1 / 3) {
      // a colleague's mail forwarded with a short note: the intent is in the forwarded mail
      const colleague = { ...sender, firstName: pick(rnd, ['Jana', 'Luc', 'Marta', 'Ollie']) };
      const inner = ownWords(rnd, intent, colleague, { ...rates, disclaimer: 0 }, noise);
      subject = `${fwd}: ${pick(rnd, subjects(intent))}`;
      body = [
        pick(rnd, FORWARD_NOTES),
        '',
        sender.firstName,
        '',
        ...forwardHeader(
          rnd,
          lang,
          `${colleague.firstName} ${colleague.lastName}`,
          'client.example',
          subject.slice(fwd.length + 2),
        ),
        ...inner.lines,
      ];
      noise.push('forwarded_intent');
    } else {
      const news = pick(rnd, NEWSLETTERS);
      subject = `${fwd}: ${news.split(/[:!.]/)[0]}`;
      body = [
        ...body,
        '',
        ...forwardHeader(rnd, lang, 'Vendor News', 'news.vendor.io', news.split(/[:!.]/)[0] as string),
        news,
      ];
      noise.push('forwarded');
    }
  }
  let text = body.join('\n');
  if (rnd() < rates.html) {
    text = toHtml(rnd, text);
    noise.push('html');
  }
  return { subject, body: text, intent, language: lang, noise: [...new Set(noise)] };
}

const FIRST = [
  'Anna',
  'Ben',
  'Chloé',
  'David',
  'Elena',
  'Felix',
  'Grace',
  'Hugo',
  'Ines',
  'Jamal',
  'Katrin',
  'Liam',
  'Marie',
  'Nora',
  'Pablo',
  'Sofia',
];
const LAST = [
  'Müller',
  'Martin',
  'García',
  'Smith',
  'Schmidt',
  'Dubois',
  'López',
  'Brown',
  'Fischer',
  'Moreau',
  'Wilson',
  'Fernández',
];
const COMPANY = [
  'Nordwind GmbH',
  'Atelier Lumière SARL',
  'Soluciones Iberia S.L.',
  'Brightpath Ltd',
  'Kestrel Analytics Inc.',
  'Vermeer Logistics B.V.',
];

/** `n` messages, the drawn intents in equal shares (out-of-office notices add to not_sales). Same seed, same set. */
export function realisticInboundSet(
  seed: number,
  n: number,
  rates: InboundRates = REALISTIC_RATES,
): InboundMessage[] {
  const rnd = mulberry32(seed);
  const intents: Intent[] = ['high', 'medium', 'low', 'not_sales'];
  const out: InboundMessage[] = [];
  for (let i = 0; i < n; i++) {
    const sender = { firstName: pick(rnd, FIRST), lastName: pick(rnd, LAST), company: pick(rnd, COMPANY) };
    out.push(realisticInbound(rnd, intents[i % 4] as Intent, sender, rates));
  }
  return out;
}
