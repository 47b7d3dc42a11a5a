import { html } from '../lib/html.ts';
import { errorPage, factsTable, renderPage, t, when, type PageFacts, type PageResult } from '../pages/index.ts';
import type { MeetingRecord, ProtocolRecord } from '../store/records.ts';
import type { Deps } from './deps.ts';
import { documentsOf } from './document-store.ts';

export type SignedProtocolResponse = PageResult & { contentType?: string; body?: Buffer; filename?: string };

/**
 * п. 3.4: a member's personal link to the signed protocol, sent with the distribution. The page offers
 * the very documents that were distributed (stored once, checked against their SHA-256): `?format=pdf`
 * and `?format=html` download them. Like every GET, it changes nothing.
 */
export async function showSignedProtocol(
  deps: Deps,
  view: { lang: PageFacts['lang']; facts: PageFacts; action: string; groupName: string },
  meeting: MeetingRecord,
  protocol: ProtocolRecord | null,
  format: string | undefined,
): Promise<SignedProtocolResponse> {
  const { lang } = view;
  const signed = protocol?.signed;
  if (!protocol || !signed) return errorPage({ lang, reason: 'unknown', facts: view.facts });
  const filename = `protocol-${meeting.number ?? meeting.id}`;
  if (format === 'pdf') {
    const body = await documentsOf(deps).getVerified(signed.pdfKey, signed.pdfSha256);
    return { status: 200, html: '', contentType: 'application/pdf', body, filename: `${filename}.pdf` };
  }
  if (format === 'html') {
    const body = await documentsOf(deps).getVerified(signed.htmlKey, signed.htmlSha256);
    return { status: 200, html: '', contentType: 'text/html; charset=utf-8', body, filename: `${filename}.html` };
  }
  const facts: Array<[string, string]> = [
    [t(lang, 'Протокол №', 'Protocol No.'), String(meeting.number ?? '')],
    ...(meeting.signedAt ? [[t(lang, 'Дата подписания', 'Signed at'), when(meeting.signedAt, meeting.timeZone, lang)] as [string, string]] : []),
    ['SHA-256', protocol.hash],
  ];
  const body = html`${factsTable(view.facts, facts)}
<ul>
<li><a href="${view.action}?format=pdf">${t(lang, 'Скачать протокол (PDF)', 'Download the protocol (PDF)')}</a></li>
<li><a href="${view.action}?format=html">${t(lang, 'Скачать протокол (HTML)', 'Download the protocol (HTML)')}</a></li>
</ul>`;
  return { status: 200, html: renderPage({ lang, title: t(lang, 'Подписанный протокол', 'The signed protocol'), groupName: view.groupName, body }) };
}
