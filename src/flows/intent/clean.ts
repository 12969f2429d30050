/**
 * What of an inbound mail is its sender's own words. Mail arrives with the other side's words
 * around them — the quoted thread under a reply, a forwarded mail, the thread's subject, a
 * signature, a legal disclaimer, HTML from the mail client — and those words carry the vendor's
 * pitch or a lawyer's, not this sender's intent. An out-of-office notice carries no intent at all.
 * Pure: text in, the kept text and what was removed out. Mail clients in English, German, French
 * and Spanish write the headers recognised here.
 */

export type Removed = 'html' | 'thread_subject' | 'quoted' | 'forwarded' | 'signature' | 'disclaimer';

export interface CleanedText {
  /** The sender's own words. */
  text: string;
  /** An out-of-office or other automatic reply: no intent to read. */
  autoReply: boolean;
  removed: Removed[];
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Tags out, line breaks where blocks end, entities decoded. */
export function stripHtml(text: string): string {
  return text
    .replace(/<(style|head|script)\b[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|li|tr|h\d|blockquote)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#')
        return String.fromCodePoint(
          e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)),
        );
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n');
}

const HTML = /<(div|p|br|span|html|body|table|o:p)\b[^>]*>|&(nbsp|amp|lt|gt|#\d+);/i;

// "Re:", "AW:", "WG:", "Fwd:", "TR:", "RV:": the subject of someone else's mail.
const THREAD_SUBJECT = /^\s*((re|aw|antw|wg|fwd?|tr|rv|sv)\s*:\s*)+/i;

/** Subject or first words of an automatic reply, in the languages mail clients send them in. */
const AUTO_REPLY_SUBJECT =
  /^\s*(automatic reply|auto[- ]?reply|autoreply|out of (the )?office|abwesenheit(snotiz)?|automatische antwort|r[ée]ponse automatique|absence du bureau|absent|respuesta autom[áa]tica|fuera de la oficina)\b/i;
const AUTO_REPLY_BODY = [
  /\b(i am|i'm|i will be)( currently)? (out of (the )?office|away|on (annual )?leave|travelling|on holiday|on vacation)\b.{0,80}\b(until|return|back)\b/i,
  /\bich bin\b.{0,40}\b(nicht im b[üu]ro|abwesend|im urlaub)\b/i,
  /\bje suis\b.{0,30}\b(absente?|en cong[ée]s?)\b/i,
  /\bestoy\b.{0,30}\b(fuera de la oficina|de vacaciones|ausente)\b/i,
];

/** A line that opens a quoted or forwarded mail, and which of the two. */
function threadStart(line: string, next: string): 'quoted' | 'forwarded' | null {
  const l = line.trim();
  if (
    /^-{2,}\s*(forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|mensaje reenviado)\s*-*$/i.test(
      l,
    )
  )
    return 'forwarded';
  if (/^begin forwarded message:?$/i.test(l)) return 'forwarded';
  if (l.startsWith('>')) return 'quoted';
  if (
    /^-{2,}\s*(original message|urspr[üu]ngliche nachricht|message d'origine|mensaje original)\s*-{2,}$/i.test(
      l,
    )
  )
    return 'quoted';
  if (/^_{10,}$/.test(l) && /^(from|von|de|da):/i.test(next.trim())) return 'quoted';
  // Gmail and Apple Mail: "On …, X <x@y> wrote:" (the header may wrap onto a second line)
  const head =
    /^(on|am|le|el|il|op)\s.{4,160}(wrote|schrieb|a [ée]crit|escribi[óo]|ha scritto|schreef)\s*:$/i;
  if (head.test(l) || (/^(on|am|le|el)\s/i.test(l) && head.test(`${l} ${next.trim()}`))) return 'quoted';
  // Outlook: a From: line followed by Sent:/Date:
  if (
    /^(from|von|de):\s/i.test(l) &&
    /^(sent|gesendet|envoy[ée]|enviado|date|datum|fecha):/i.test(next.trim())
  )
    return 'quoted';
  return null;
}

/** A sign-off on its own line: what follows it is the signature. */
const SIGNOFF =
  /^(best( regards| wishes)?|kind regards|regards|warm regards|many thanks|thanks( a lot| again| in advance)?|thank you|cheers|talk soon|sincerely|mit freundlichen gr[üu](ß|ss)en|(viele|beste|liebe|freundliche) gr[üu](ß|ss)e|danke und gru(ß|ss)|gru(ß|ss)|lg|mfg|cordialement|bien cordialement|bien [àa] vous|merci( d'avance| beaucoup)?|salutations|saludos( cordiales)?|un saludo|atentamente|muchas gracias)\s*[,.!]?$/i;
const SIGNATURE_RULE = /^--\s*$/;
const DEVICE_LINE = /^(sent from my|von meinem .* gesendet|envoy[ée] de mon|enviado desde mi)\b/i;

const DISCLAIMER = [
  /\b(confidential|privileged|vertraulich|confidentiel|confidencial)\b[\s\S]{0,300}\b(intended|recipient|addressee|empf[äa]nger|adressat|destinataires?|destinatario)\b/i,
  /\b(intended|recipient|addressee|empf[äa]nger|destinataires?|destinatario)\b[\s\S]{0,300}\b(confidential|privileged|vertraulich|confidentiel|confidencial)\b/i,
  /\b(received (it|this( message| e-?mail)?) in error|par erreur|por error|irrt[üu]mlich)\b/i,
];

/** A note above a forwarded mail this short ("FYI, see below. Anna") leaves the intent to the mail. */
const FORWARD_NOTE_WORDS = 8;
const words = (s: string) => s.match(/\p{L}{2,}/gu)?.length ?? 0;

/** A full sentence right after a "Thank you!" line means it opened the mail rather than closed it (a signature starts with a name). */
const sentenceAfter = (lines: string[]) => {
  const next = lines.find((l) => l.trim() !== '') ?? '';
  return words(next) >= 8 && /[.!?]\s*$/.test(next) && !DISCLAIMER.some((d) => d.test(next));
};

/** The own words of one mail body (no thread subject): cut at the thread, the sign-off, the signature. */
function ownPart(
  lines: string[],
  removed: Set<Removed>,
): { own: string[]; thread: string[]; kind: 'quoted' | 'forwarded' | null } {
  let end = lines.length;
  let thread: string[] = [];
  let kind: 'quoted' | 'forwarded' | null = null;
  for (let i = 0; i < lines.length; i++) {
    kind = threadStart(lines[i] as string, lines[i + 1] ?? '');
    if (kind) {
      removed.add(kind);
      end = i;
      thread = lines.slice(i);
      break;
    }
  }
  let own = lines.slice(0, end);
  // the signature: after a "-- " rule, a device line, or a sign-off that follows the sender's words
  for (let i = 0; i < own.length; i++) {
    const l = (own[i] as string).trim();
    const before = own.slice(0, i).join(' ');
    if (
      SIGNATURE_RULE.test(l) ||
      DEVICE_LINE.test(l) ||
      (SIGNOFF.test(l) && words(before) >= 3 && !sentenceAfter(own.slice(i + 1)))
    ) {
      if (i < own.length - 1 || !SIGNOFF.test(l)) removed.add('signature');
      own = own.slice(0, i);
      break;
    }
  }
  // a disclaimer with no sign-off before it: a paragraph of its own
  const paragraphs = own.join('\n').split(/\n\s*\n/);
  const kept = paragraphs.filter((p) => !DISCLAIMER.some((d) => d.test(p)));
  if (kept.length < paragraphs.length) {
    removed.add('disclaimer');
    own = kept.join('\n\n').split('\n');
  }
  return { own, thread, kind };
}

/** Header lines of a quoted or forwarded mail, and the ">" in front of quoted lines, removed. */
function unquote(thread: string[]): string[] {
  const out: string[] = [];
  let inHeader = true;
  for (const raw of thread) {
    const l = raw.replace(/^(\s*>)+\s?/, '');
    if (inHeader) {
      if (
        /^(-{2,}.*-{2,}|_{10,}|begin forwarded message:?|(from|von|de|sent|gesendet|envoy[ée]|enviado|date|datum|fecha|to|an|à|para|cc|subject|betreff|objet|asunto):.*|\s*)$/i.test(
          l.trim(),
        )
      )
        continue;
      if (threadStart(l, '') === 'quoted') continue;
      inHeader = false;
    }
    out.push(l);
  }
  return out;
}

/**
 * The sender's own words of `raw` (a subject line, a blank line and the body, or the body alone).
 * When nothing of the sender's own remains above a forwarded or quoted mail ("FYI, see below"), the
 * words of that mail are the ones to read.
 */
export function cleanInbound(raw: string): CleanedText {
  const removed = new Set<Removed>();
  let text = raw.replace(/\r\n?/g, '\n').replace(/’/g, "'");
  if (HTML.test(text)) {
    text = stripHtml(text);
    removed.add('html');
  }
  let lines = text.split('\n');
  const firstLine = lines.find((l) => l.trim() !== '') ?? '';
  const subject = firstLine.replace(THREAD_SUBJECT, '');
  const head = lines.slice(0, 8).join(' ');
  const autoReply = AUTO_REPLY_SUBJECT.test(subject) || AUTO_REPLY_BODY.some((r) => r.test(head));
  if (THREAD_SUBJECT.test(firstLine)) {
    lines = lines.slice(lines.indexOf(firstLine) + 1);
    removed.add('thread_subject');
  }
  let { own, thread, kind } = ownPart(lines, removed);
  // "FYI, see below" over a forwarded mail speaks through the forwarded mail; a reply with no
  // words of its own, through the mail it quotes
  for (
    let depth = 0;
    depth < 3 && kind !== null && words(own.join(' ')) < (kind === 'forwarded' ? FORWARD_NOTE_WORDS : 2);
    depth++
  ) {
    const inner = ownPart(unquote(thread), removed);
    own = [...own, ...inner.own];
    ({ thread, kind } = inner);
  }
  const kept = own
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { text: kept, autoReply, removed: [...removed] };
}
