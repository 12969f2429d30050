/**
 * Reading a Salesforce Outbound Message: the SOAP `notifications` envelope as XML text
 * (salesforce.md §8.1), in one pass whatever the body holds. No I/O.
 */

export interface OutboundNotification {
  notificationId: string;
  object: string;
  fields: Record<string, string | null>;
}
export interface OutboundMessage {
  organizationId: string | null;
  actionId: string | null;
  notifications: OutboundNotification[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  if (s.length < 8) {
    let amp = false;
    for (let i = 0; i < s.length && !amp; i++) amp = s.charCodeAt(i) === 0x26; // &
    if (!amp) return s;
  } else if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|\w{1,8});/gi, (m, e: string) => {
    const code =
      e.startsWith('#x') || e.startsWith('#X')
        ? Number.parseInt(e.slice(2), 16)
        : e.startsWith('#')
          ? Number(e.slice(1))
          : null;
    if (code === null) return ENTITIES[e] ?? m;
    return code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** Where a tag that opens at `from` ends (its `>`, outside quoted attribute values); -1 when it does not. */
function tagEnd(xml: string, from: number): number {
  let quote = 0;
  for (let i = from; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27)
      quote = c; // " '
    else if (c === 0x3e)
      return i; // >
    else if (c === 0x3c) return -1; // <
  }
  return -1;
}

/** Where the local name (after the first `:`) of the qualified name `xml[from, to)` starts. */
function localNameFrom(xml: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (xml.charCodeAt(i) === 0x3a) return i + 1; // :
  return from;
}
/** Whether `xml[from, to)` is `name`. */
function isAt(xml: string, from: number, to: number, name: string): boolean {
  if (to - from !== name.length) return false;
  for (let i = from; i < to; i++) if (xml.charCodeAt(i) !== name.charCodeAt(i - from)) return false;
  return true;
}
/** The next `<` from `from`: the few characters after a tag looked at in place, `indexOf` for longer text. */
function nextTag(xml: string, from: number): number {
  const near = Math.min(from + 8, xml.length);
  for (let i = from; i < near; i++) if (xml.charCodeAt(i) === 0x3c) return i;
  return xml.indexOf('<', near);
}
const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);
/** A character `trim()` keeps at either end of a name: printable ASCII (whitespace is ≤ 0x20 or beyond ASCII). */
const isPlain = (c: number) => c > 0x20 && c < 0x7f;
const XSI_TYPE = /(?:^|\s)xsi:type\s*=\s*(?:"([^"]*)"|'([^']*)')/;
const XSI_NIL = /(?:^|\s)xsi:nil\s*=\s*(?:"true"|'true')/;

/**
 * Parses the SOAP `notifications` envelope of an Outbound Message (§8.1): flat sObjects, any
 * namespace prefix, `xsi:nil` as null. One pass over the text: text is skipped by `indexOf`, each
 * tag's characters are looked at a bounded number of times, end tags are compared in place with the
 * open names, names and texts are sliced once (texts unescaped only when they hold a `&`), and the
 * open elements live in fixed arrays as deep as the nesting allowed — so a large or hostile body
 * costs time in proportion to its length. Throws on a body that is not one.
 */
export function parseOutboundMessage(xml: string): OutboundMessage {
  const notifications: OutboundNotification[] = [];
  let organizationId: string | null = null;
  let actionId: string | null = null;
  let sawEnvelope = false;
  // open elements, outermost first, `depth` of them: local name, whether a child element opened inside it, xsi:nil
  const names: string[] = new Array(MAX_XML_DEPTH).fill('');
  const parent = new Uint8Array(MAX_XML_DEPTH);
  const nil = new Uint8Array(MAX_XML_DEPTH);
  let depth = 0;
  // the innermost element's text: from `textFrom` to the next tag, after `textParts` (CDATA in between)
  let textFrom = 0;
  let textParts: string[] | null = null;
  // the notification being read, the depth of its element and of its sObject (0: none yet, -1: done)
  let note: OutboundNotification | null = null;
  let noteDepth = 0;
  let sObjectDepth = 0;

  const open = (name: string, attrsFrom: number, attrsTo: number) => {
    if (depth >= MAX_XML_DEPTH)
      throw new Error(`malformed outbound message: elements nested deeper than ${MAX_XML_DEPTH}`);
    if (depth > 0) parent[depth - 1] = 1;
    const isField = note !== null && sObjectDepth > 0 && depth === sObjectDepth;
    names[depth] = name;
    parent[depth] = 0;
    nil[depth] = isField && attrsTo > attrsFrom && XSI_NIL.test(xml.slice(attrsFrom, attrsTo)) ? 1 : 0;
    depth++;
    if (name === 'notifications') sawEnvelope = true;
    else if (name === 'Notification' && note === null) {
      note = { notificationId: '', object: '', fields: {} };
      noteDepth = depth;
      sObjectDepth = 0;
    } else if (name === 'sObject' && note !== null && depth === noteDepth + 1 && sObjectDepth === 0) {
      const m = XSI_TYPE.exec(xml.slice(attrsFrom, attrsTo));
      note.object = localName(m?.[1] ?? m?.[2] ?? '');
      sObjectDepth = depth;
    }
  };
  const textOf = (to: number) => {
    const tail = unescapeXml(xml.slice(textFrom, to));
    return textParts === null ? tail : textParts.join('') + tail;
  };
  // closes the element open at depth `at + 1` and those inside it; `to`: where the end tag
  // starts, null for an empty element (`<x/>`)
  const close = (at: number, to: number | null) => {
    while (depth > at) {
      const elDepth = depth--;
      const elName = names[depth];
      const leaf = parent[depth] === 0 && elDepth === at + 1 && to !== null;
      if (note !== null && sObjectDepth > 0 && elDepth === sObjectDepth + 1) {
        note.fields[elName] = nil[depth] === 1 || !leaf ? null : textOf(to);
      } else if (note !== null && elDepth === noteDepth + 1 && elName === 'Id' && !note.notificationId) {
        note.notificationId = leaf ? textOf(to).trim() : '';
      } else if (note !== null && elDepth === sObjectDepth) {
        sObjectDepth = -1;
      } else if (note !== null && elDepth === noteDepth) {
        if (sObjectDepth !== 0) notifications.push(note);
        note = null;
      } else if (note === null && elName === 'OrganizationId' && organizationId === null) {
        organizationId = leaf ? textOf(to).trim() : '';
      } else if (note === null && elName === 'ActionId' && actionId === null) {
        actionId = leaf ? textOf(to).trim() : '';
      }
    }
  };

  let i = 0;
  while (i < xml.length) {
    const lt = nextTag(xml, i);
    if (lt < 0) break;
    const c = xml.charCodeAt(lt + 1);
    if (c === 0x21 && (xml.startsWith('<!--', lt) || xml.startsWith('<![CDATA[', lt))) {
      const cdata = xml.charCodeAt(lt + 2) === 0x5b; // [
      const end = xml.indexOf(cdata ? ']]>' : '-->', lt + 4);
      if (end < 0)
        throw new Error(`malformed XML: ${cdata ? 'CDATA section' : 'comment'} at ${lt} is not closed`);
      if (textParts === null) textParts = [];
      textParts.push(unescapeXml(xml.slice(textFrom, lt)));
      if (cdata) textParts.push(xml.slice(lt + 9, end));
      i = textFrom = end + 3;
      continue;
    }
    const gt = tagEnd(xml, lt + 1);
    if (gt < 0) throw new Error(`malformed XML: the tag at ${lt} is not closed`);
    i = gt + 1;
    if (c === 0x3f || c === 0x21) continue; // <? declaration, <! doctype
    if (c === 0x2f) {
      // </name>, trimmed as text would be
      let at = depth - 1;
      if (gt > lt + 2 && isPlain(xml.charCodeAt(lt + 2)) && isPlain(xml.charCodeAt(gt - 1))) {
        // </name> with nothing to trim: its local name compared in place
        const from = localNameFrom(xml, lt + 2, gt);
        while (at >= 0 && !isAt(xml, from, gt, names[at])) at--;
      } else {
        const name = localName(xml.slice(lt + 2, gt).trim());
        while (at >= 0 && names[at] !== name) at--;
      }
      if (at >= 0) close(at, lt); // else a stray end tag
    } else {
      const selfClosing = xml.charCodeAt(gt - 1) === 0x2f;
      const end = selfClosing ? gt - 1 : gt;
      let nameEnd = lt + 1;
      while (nameEnd < end && !isSpace(xml.charCodeAt(nameEnd))) nameEnd++;
      const name = xml.slice(localNameFrom(xml, lt + 1, nameEnd), nameEnd);
      if (!name) throw new Error(`malformed XML: the tag at ${lt} has no name`);
      open(name, nameEnd, end);
      if (selfClosing) close(depth - 1, null);
    }
    textFrom = i;
    textParts = null;
  }
  if (!sawEnvelope) throw new Error('not a Salesforce outbound message: no <notifications> element');
  return { organizationId: organizationId || null, actionId: actionId || null, notifications };
}

/** An outbound message nests six elements deep (envelope, body, notifications, notification, sObject, field). */
const MAX_XML_DEPTH = 32;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
