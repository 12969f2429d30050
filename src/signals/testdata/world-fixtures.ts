/**
 * Test fixtures from the seeded world: a mailbox (mbox) of its inbound messages and of outbound and
 * internal mail, and a calendar (.ics) of its meetings, each item with the ground truth of who it
 * belongs to (world contact ids). Used by the acceptance tests, the benchmark and `inrecord demo`
 * (which imports the simulated team's mailbox); nothing else.
 */
import type { World } from '../../simulators/seed/index.js';

export interface FixtureItem {
  externalId: string;
  kind: 'email' | 'meeting';
  /** The world contact the item is about; null for someone outside the CRM. */
  contactId: string | null;
  /** The external participant's address; null when every participant is internal. */
  externalEmail: string | null;
  internalOnly: boolean;
}

export interface WorldFixtures {
  mbox: string;
  ics: string;
  items: FixtureItem[];
}

const rfc2822 = (iso: string) => new Date(iso).toUTCString().replace('GMT', '+0000');
const icsTime = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const quote = (s: string) => `"${s.replace(/["\\]/g, '')}"`;

function message(h: { id: string; from: string; to: string; subject: string; date: string; body: string }): string {
  return [
    `From ${h.from.replace(/.*<|>.*/g, '')} ${new Date(h.date).toUTCString()}`,
    `Message-ID: <${h.id}>`,
    `Date: ${rfc2822(h.date)}`,
    `From: ${h.from}`,
    `To: ${h.to}`,
    `Subject: ${h.subject}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    // mboxrd: body lines that start with "From " are escaped
    ...h.body.split('\n').map((l) => (/^>*From /.test(l) ? `>${l}` : l)),
    '',
  ].join('\n');
}

/** Builds the fixtures; `limit` caps the number of emails and of meetings. */
export function worldFixtures(world: World, opts: { limit?: number } = {}): WorldFixtures {
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  const owner = world.owners[0] as World['owners'][number];
  const ownerAddr = `${quote(`${owner.firstName} ${owner.lastName}`)} <${owner.email}>`;
  const contacts = new Map(world.contacts.map((c) => [c.id, c]));
  const items: FixtureItem[] = [];
  const mails: string[] = [];
  for (const m of world.messages.filter((x) => x.kind === 'email').slice(0, limit)) {
    const id = `${m.id}.${world.seed}@mail.world.example`;
    mails.push(message({ id, from: `${quote(m.fromName)} <${m.fromEmail}>`, to: ownerAddr, subject: m.subject, date: m.at, body: m.body }));
    items.push({ externalId: `<${id}>`, kind: 'email', contactId: m.contactId, externalEmail: m.fromEmail.toLowerCase(), internalOnly: false });
  }
  // outbound replies to the first few senders who are contacts, and one internal thread
  for (const m of world.messages.filter((x) => x.kind === 'email' && x.contactId).slice(0, Math.min(5, limit))) {
    const id = `re-${m.id}.${world.seed}@team.world.example`;
    mails.push(message({ id, from: ownerAddr, to: `${quote(m.fromName)} <${m.fromEmail}>`, subject: `Re: ${m.subject}`, date: new Date(Date.parse(m.at) + 3_600_000).toISOString(), body: 'Thanks, I will come back to you.\nFrom our side the next step is a call.' }));
    items.push({ externalId: `<${id}>`, kind: 'email', contactId: m.contactId, externalEmail: m.fromEmail.toLowerCase(), internalOnly: false });
  }
  const other = world.owners[1] ?? owner;
  const internal = `internal-1.${world.seed}@team.world.example`;
  mails.push(message({ id: internal, from: ownerAddr, to: `<${other.email}>`, subject: 'Pipeline review', date: world.now, body: 'Numbers attached.' }));
  items.push({ externalId: `<${internal}>`, kind: 'email', contactId: null, externalEmail: null, internalOnly: true });

  const events: string[] = [];
  const meetings = world.activities.filter((a) => a.type === 'meeting' && a.contactId && contacts.get(a.contactId)?.email).slice(0, limit);
  for (const a of meetings) {
    const c = contacts.get(a.contactId as string) as World['contacts'][number];
    const uid = `${a.id}.${world.seed}@cal.world.example`;
    const end = new Date(Date.parse(a.at) + (a.durationMinutes ?? 30) * 60_000).toISOString();
    events.push(
      [
        'BEGIN:VEVENT',
        `UID:${uid}`,
        `DTSTAMP:${icsTime(world.now)}`,
        `DTSTART:${icsTime(a.at)}`,
        `DTEND:${icsTime(end)}`,
        `SUMMARY:${a.subject.replace(/[,;]/g, (x) => `\\${x}`)}`,
        `ORGANIZER;CN=${owner.firstName} ${owner.lastName}:mailto:${owner.email}`,
        `ATTENDEE;CN=${c.trueFirstName} ${c.trueLastName};ROLE=REQ-PARTICIPANT:mailto:${c.email}`,
        'END:VEVENT',
      ].join('\r\n'),
    );
    items.push({ externalId: uid, kind: 'meeting', contactId: c.id, externalEmail: (c.email as string).toLowerCase(), internalOnly: false });
  }
  const stranger = world.outsiders.find((o) => o.kind === 'person' && o.email);
  if (stranger) {
    const uid = `outsider-1.${world.seed}@cal.world.example`;
    events.push(
      ['BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:${icsTime(world.now)}`, `DTSTART:${icsTime(world.now)}`, 'DURATION:PT30M', 'SUMMARY:Intro call',
        `ORGANIZER:mailto:${owner.email}`, `ATTENDEE;CN=${stranger.firstName} ${stranger.lastName}:mailto:${stranger.email}`, 'END:VEVENT'].join('\r\n'),
    );
    items.push({ externalId: uid, kind: 'meeting', contactId: null, externalEmail: (stranger.email as string).toLowerCase(), internalOnly: false });
  }
  const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//inrecord//fixtures//EN', ...events, 'END:VCALENDAR', ''].join('\r\n');
  return { mbox: mails.join('\n'), ics, items };
}
