import { describe, expect, it } from 'vitest';
import { inboundText, realisticInboundSet } from '../../simulators/seed/inbound.js';
import { bundledIntentModel, classifyIntent, modelTerms, tokenize } from './classifier.js';
import { cleanInbound, stripHtml } from './clean.js';
import { confusionOf, formatIntentReport, intentReport, measureIntent } from './measure.js';

const OWN = 'Please send a quote for 40 seats, our budget is approved.';

describe('the sender’s own words', () => {
  it.each<[string, string, string[]]>([
    [
      'Gmail reply',
      `Hi,\n\n${OWN}\n\nOn Mon, 7 Dec 2026 at 10:15, Dana Lee <dana@vendor.io> wrote:\n> Would you like a demo?`,
      ['quoted'],
    ],
    [
      'a wrapped Gmail header',
      `${OWN}\n\nOn Mon, 7 Dec 2026 at 10:15, Dana Lee\n<dana@vendor.io> wrote:\n> Would you like a demo?`,
      ['quoted'],
    ],
    [
      'German client',
      `Hallo,\n\n${OWN}\n\nAm 7.12.2026 um 10:15 schrieb Dana Lee <dana@vendor.io>:\n> Demo?`,
      ['quoted'],
    ],
    [
      'French client',
      `${OWN}\n\nLe 7/12/2026 à 10:15, Dana Lee <dana@vendor.io> a écrit :\n> Démo ?`,
      ['quoted'],
    ],
    [
      'Spanish client',
      `${OWN}\n\nEl 7/12/2026 a las 10:15, Dana Lee <dana@vendor.io> escribió:\n> ¿Demo?`,
      ['quoted'],
    ],
    [
      'Outlook',
      `${OWN}\n\n________________________________\nFrom: Dana Lee <dana@vendor.io>\nSent: Monday 09:12\nTo: me\nSubject: Demo?\n\nOur pricing starts at $40.`,
      ['quoted'],
    ],
    [
      'Outlook, German',
      `${OWN}\n\nVon: Dana Lee <dana@vendor.io>\nGesendet: Montag 09:12\nBetreff: Demo?\n\nUnser Angebot.`,
      ['quoted'],
    ],
    [
      'a forwarded newsletter',
      `${OWN}\n\n---------- Forwarded message ---------\nFrom: Vendor News <news@vendor.io>\nSubject: Spring release\n\nBook your demo today.`,
      ['forwarded'],
    ],
    [
      'a signature after the sign-off',
      `Hi,\n\n${OWN}\n\nBest regards,\nJane Doe\nHead of Procurement\nTel. +49 30 1234567`,
      ['signature'],
    ],
    ['a "-- " signature', `${OWN}\n-- \nJane Doe | VP Sales`, ['signature']],
    ['a device line', `${OWN}\n\nVon meinem iPhone gesendet`, ['signature']],
    [
      'a disclaimer with no sign-off',
      `${OWN}\n\nCONFIDENTIALITY NOTICE: This email is confidential and intended solely for the addressee.`,
      ['disclaimer'],
    ],
    ['a thread subject', `RE: Following up: quote for your team\n\n${OWN}`, ['thread_subject']],
  ])('%s: the sender’s words are kept, the rest removed', (_, text, removed) => {
    const c = cleanInbound(text);
    expect(c.text).toContain(OWN);
    expect(c.text).not.toMatch(
      /demo|Démo|pricing|Angebot|Procurement|VP Sales|iPhone|CONFIDENTIAL|Following up/i,
    );
    for (const r of removed) expect(c.removed).toContain(r);
    expect(c.autoReply).toBe(false);
  });

  it('a "Thank you!" line that opens the mail is no sign-off', () => {
    const own = 'We reviewed the proposal and want to sign the contract this week for all 40 seats.';
    const c = cleanInbound(
      `Proposal\n\nHi Dana,\n\nThank you!\n\n${own}\n\nBest,\nAna García\nHead of Procurement`,
    );
    expect(c.text).toContain(own);
    expect(c.text).not.toContain('Procurement');
  });

  it('HTML: tags out, blocks as lines, entities decoded', () => {
    expect(
      stripHtml(
        '<html><head><style>p{margin:0}</style></head><body><p class=MsoNormal>Tom &amp; Jerry&#39;s&nbsp;quote<o:p></o:p></p><div>next</div></body></html>',
      ),
    ).toBe("Tom & Jerry's quote\nnext\n");
    const c = cleanInbound(
      `<div dir="ltr"><div>${OWN}</div><div><br></div><div>Thanks,</div><div>Jane</div></div>`,
    );
    expect(c.text).toBe(OWN);
    expect(c.removed).toContain('html');
  });

  it('a short note over a forwarded mail reads the forwarded mail; a reply with words of its own does not read the quote', () => {
    const fwd = cleanInbound(
      `Fwd: Next steps\n\nFYI, see below.\n\nAnna\n\n-------- Weitergeleitete Nachricht --------\nFrom: Luc <luc@client.example>\nDate: 1.2.2027\nSubject: Next steps\n\nHallo,\n\n${OWN}\n\nViele Grüße,\nLuc`,
    );
    expect(fwd.text).toContain(OWN);
    expect(fwd.text).not.toContain('Viele Grüße');
    const reply = cleanInbound(
      `Not for us right now, thanks.\n\nOn Mon, Dana <d@vendor.io> wrote:\n> ${OWN}`,
    );
    expect(reply.text).toBe('Not for us right now, thanks.');
  });

  it.each([
    'Automatic reply: Demo next week?\n\nI am out of the office until 4/1/2027.',
    'Out of Office: pricing\n\nBack on Monday.',
    'Abwesenheitsnotiz: Ihr Angebot\n\nIch bin bis zum 4.1. nicht im Büro.',
    'Réponse automatique : Devis\n\nJe suis absent du bureau jusqu’au 4 janvier.',
    'Respuesta automática: Demo\n\nEstoy fuera de la oficina hasta el 4 de enero.',
    'Quote\n\nThank you for your email. I am currently on annual leave and will return on 4 January.',
  ])('an automatic reply is not_sales by rule: %j', (text) => {
    expect(cleanInbound(text).autoReply).toBe(true);
    expect(classifyIntent(bundledIntentModel(), text)).toMatchObject({ label: 'not_sales', autoReply: true });
  });

  it('a sender back from the office is no automatic reply', () => {
    const text = 'Quote\n\nI was out of office last week. We are ready to buy, please send the contract.';
    expect(cleanInbound(text).autoReply).toBe(false);
    expect(classifyIntent(bundledIntentModel(), text).label).toBe('high');
  });

  it('German, French and Spanish cue words, elision and accents read as the English the model learned', () => {
    expect(tokenize('Können Sie uns ein Angebot schicken?')).toEqual([
      'konnen',
      'sie',
      'uns',
      'ein',
      'quote',
      'send',
    ]);
    expect(tokenize("Pouvez-vous m'envoyer un devis ?")).toEqual([
      'pouvez',
      'vous',
      'm',
      'send',
      'un',
      'quote',
    ]);
    expect(tokenize('¿Nos puede enviar una cotización?')).toEqual(['nos', 'puede', 'send', 'una', 'quote']);
    expect(tokenize("We'd like 25 seats\n> On Monday you wrote: pricing")).toEqual([
      'wed',
      'like',
      '#',
      'seats',
    ]);
  });

  it('a word one typo away from a word the model knows reads as that word; short and far-off words stay', () => {
    const m = bundledIntentModel();
    const read = (t: string) => [...modelTerms(m, t)].filter((x) => !x.includes(' '));
    expect(read('contrcat purchse licenses unsubscirbe')).toEqual([
      'contract',
      'purchase',
      'licences',
      'unsubscribe',
    ]);
    expect(read('contract')).toEqual(['contract']);
    expect(read('qote zzzzzzz')).toEqual(['qote', 'zzzzzzz']);
  });
});

describe('the local classifier on realistic mail', () => {
  it('recall and precision of every class stay above the floor on 400 noisy messages (seed 11)', async () => {
    const set = realisticInboundSet(11, 400).map((m) => ({ text: inboundText(m), label: m.intent }));
    const m = bundledIntentModel();
    const r = await measureIntent(set, (t) => classifyIntent(m, t).label);
    // Measured when written: accuracy 0.955; recall ≥ 0.919 and precision ≥ 0.930 in every class
    // (the classifier before cleaning: 0.81 accuracy on such mail, high precision 0.63).
    expect(r.accuracy.value, formatIntentReport('local', r)).toBeGreaterThanOrEqual(0.9);
    for (const c of r.perClass) {
      expect(c.recall.value, `${c.label} recall\n${formatIntentReport('local', r)}`).toBeGreaterThanOrEqual(
        0.85,
      );
      expect(
        c.precision.value,
        `${c.label} precision\n${formatIntentReport('local', r)}`,
      ).toBeGreaterThanOrEqual(0.85);
    }
  });

  it('per-class figures come with Wilson intervals from the confusion matrix', () => {
    const r = intentReport(
      confusionOf([
        { actual: 'high', predicted: 'high' },
        { actual: 'high', predicted: 'medium' },
        { actual: 'medium', predicted: 'medium' },
        { actual: 'low', predicted: null },
      ]),
    );
    expect(r.n).toBe(4);
    expect(r.unanswered).toBe(1);
    expect(r.accuracy).toMatchObject({ k: 2, n: 4, value: 0.5 });
    const high = r.perClass.find((c) => c.label === 'high');
    expect(high?.recall).toMatchObject({ k: 1, n: 2 });
    expect(high?.precision).toMatchObject({ k: 1, n: 1 });
    expect(high?.accuracy).toMatchObject({ k: 3, n: 4 });
    expect(high?.recall.lower).toBeCloseTo(0.0945, 3); // Wilson 1/2
    expect(r.perClass.find((c) => c.label === 'medium')?.precision).toMatchObject({ k: 1, n: 2 });
  });
});
