/**
 * A raw RFC 5322 / MIME message builder, so one SES v2 `Content.Raw` send carries the plain-text and
 * HTML versions (multipart/alternative) plus attachments (.ics, protocol PDF/HTML) in multipart/mixed.
 *
 * - Non-ASCII header text (Cyrillic subjects, display names) → RFC 2047 UTF-8 "B" encoded-words,
 *   each at most 75 characters, never splitting a character.
 * - Non-ASCII / long attachment filenames → RFC 2231 `filename*=UTF-8''…` (with continuations).
 * - Bodies and attachments are base64, 76-character lines; every line ends in CRLF.
 * - CR/LF in header values (e.g. a name someone typed) are removed, so no header can be injected.
 * Pure: the Date and Message-ID come from the caller.
 */
import type { MailAttachment } from './types.ts';

const CRLF = '\r\n';

export interface MailAddress {
  email: string;
  name?: string;
}

export interface MimeInput {
  from: MailAddress | string;
  to: MailAddress | string;
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
  /** The Date header (from the clock). */
  date: Date;
  /** Without angle brackets: "abc@kvorum.example". */
  messageId: string;
  /** Extra headers, e.g. X-Kvorum-Purpose (ASCII names; values are encoded when needed). */
  headers?: Record<string, string>;
  /** Boundary seed; tests may fix it, otherwise derived from messageId. */
  boundarySeed?: string;
}

const ADDRESS_RE = /^[^\s<>()[\]\\,;:"@]+@[A-Za-z0-9.-]+$/;

export function assertEmailAddress(email: string): string {
  if (!ADDRESS_RE.test(email)) throw new Error(`mime: invalid e-mail address ${JSON.stringify(email)}`);
  return email;
}

/** Removes line breaks and other control characters from a header value. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

function isPlainAscii(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}

/**
 * RFC 2047: "=?UTF-8?B?…?=" words of at most 75 characters, separated by CRLF + space (folding).
 * A word holds at most 45 octets of UTF-8 (60 base64 chars + 12 of wrapper = 72) and never splits a character.
 */
export function encodeHeaderWords(value: string): string {
  const clean = oneLine(value).trim();
  if (isPlainAscii(clean) && clean.length <= 900 && !/=\?/.test(clean)) return clean;
  const words: string[] = [];
  let chunk = '';
  let octets = 0;
  for (const ch of clean) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (octets + n > 45) {
      words.push(chunk);
      chunk = '';
      octets = 0;
    }
    chunk += ch;
    octets += n;
  }
  if (chunk || words.length === 0) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(CRLF + ' ');
}

/** "Name <a@b>" with the display name quoted (ASCII) or RFC 2047-encoded (anything else). */
export function formatAddress(address: MailAddress | string): string {
  const { email, name } = typeof address === 'string' ? { email: address, name: undefined } : address;
  assertEmailAddress(email);
  const display = oneLine(name ?? '').trim();
  if (!display) return email;
  if (isPlainAscii(display) && !/=\?/.test(display)) {
    return `"${display.replace(/[\\"]/g, (c) => `\\${c}`)}" <${email}>`;
  }
  return `${encodeHeaderWords(display)} <${email}>`;
}

/** Base64 in 76-character lines joined by CRLF (RFC 2045 §6.8). */
export function base64Lines(content: Buffer | string): string {
  const b64 = (typeof content === 'string' ? Buffer.from(content, 'utf8') : content).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join(CRLF);
}

/** RFC 2231 extended value: UTF-8''percent-encoded (attr-char set of §7). */
function rfc2231Encode(value: string): string {
  return Array.from(Buffer.from(value, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9!#$&+.^_`|~-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/**
 * `filename="a.pdf"` for short safe ASCII names; otherwise RFC 2231 `filename*=UTF-8''…`, split into
 * `filename*0*=`, `filename*1*=` continuations when long (never splitting a %XX escape).
 */
export function filenameParameter(param: 'filename' | 'name', filename: string): string {
  const clean = oneLine(filename).replace(/[\\/]/g, '_');
  if (/^[A-Za-z0-9._ ()-]{1,60}$/.test(clean)) return `${param}="${clean}"`;
  const encoded = rfc2231Encode(clean);
  if (encoded.length <= 60) return `${param}*=UTF-8''${encoded}`;
  const pieces: string[] = [];
  let rest = encoded;
  while (rest.length > 0) {
    let cut = Math.min(60, rest.length);
    // Do not split "%D0" in the middle.
    const pct = rest.lastIndexOf('%', cut - 1);
    if (pct > cut - 3 && pct >= 0 && cut < rest.length) cut = pct;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  return pieces.map((p, i) => `${param}*${i}*=${i === 0 ? "UTF-8''" : ''}${p}`).join(';' + CRLF + ' ');
}

/** RFC 5322 date in UTC, e.g. "Tue, 10 Mar 2026 07:00:00 +0000". */
export function rfc5322Date(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${p(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${p(
    date.getUTCHours(),
  )}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

function boundaryFrom(seed: string, tag: string): string {
  const clean = seed.replace(/[^A-Za-z0-9]/g, '').slice(0, 40);
  return `=_kvorum_${tag}_${clean}`;
}

function contentTypeLine(attachment: MailAttachment): string {
  const type = attachment.contentType.trim();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;\s*[a-z0-9-]+=("[^"\r\n]*"|[a-z0-9._-]+))*$/i.test(type)) {
    throw new Error(`mime: invalid content type ${JSON.stringify(attachment.contentType)}`);
  }
  return `Content-Type: ${type}; ${filenameParameter('name', attachment.filename)}`;
}

/** The whole message as a string of 7-bit ASCII lines (CRLF). */
export function buildMimeMessage(input: MimeInput): string {
  const seed = input.boundarySeed ?? input.messageId;
  const mixed = boundaryFrom(seed, 'mixed');
  const alternative = boundaryFrom(seed, 'alt');
  const messageId = oneLine(input.messageId).replace(/[<>\s]/g, '');
  if (!/^[^@]+@[^@]+$/.test(messageId)) throw new Error(`mime: invalid Message-ID ${input.messageId}`);

  const headers: string[] = [
    `From: ${formatAddress(input.from)}`,
    `To: ${formatAddress(input.to)}`,
    `Subject: ${encodeHeaderWords(input.subject)}`,
    `Date: ${rfc5322Date(input.date)}`,
    `Message-ID: <${messageId}>`,
    'MIME-Version: 1.0',
  ];
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (!/^X-[A-Za-z0-9-]+$/.test(name)) throw new Error(`mime: only X- headers may be added (${name})`);
    headers.push(`${name}: ${encodeHeaderWords(value)}`);
  }
  headers.push(`Content-Type: multipart/mixed; boundary="${mixed}"`);

  const lines: string[] = [
    ...headers,
    '',
    'This is a multi-part message in MIME format.',
    `--${mixed}`,
    `Content-Type: multipart/alternative; boundary="${alternative}"`,
    '',
    `--${alternative}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(input.text),
    `--${alternative}`,
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(input.html),
    `--${alternative}--`,
  ];
  for (const attachment of input.attachments ?? []) {
    lines.push(
      `--${mixed}`,
      contentTypeLine(attachment),
      `Content-Disposition: attachment; ${filenameParameter('filename', attachment.filename)}`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(attachment.content),
    );
  }
  lines.push(`--${mixed}--`, '');
  return lines.join(CRLF);
}
