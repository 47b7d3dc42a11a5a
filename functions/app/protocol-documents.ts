import { documentKeys, sha256Hex } from '../store/documents.ts';
import type { ItemNarrative, ProtocolVersionRecord, SignedProtocolDocuments } from '../store/records.ts';
import type { Deps } from './deps.ts';
import { documentsOf } from './document-store.ts';

/**
 * The protocol's documents in the document store (S3). DynamoDB holds their keys and SHA-256; every
 * read checks the bytes against the hash recorded for them.
 */

export type Narrative = Record<string, ItemNarrative>;

/** Stores the signable HTML and the narrative of a version about to be saved; returns their keys and hashes. */
export async function storeVersionDocuments(
  deps: Deps,
  meetingId: string,
  version: number,
  signable: { html: string; hash: string },
  narrative: Narrative,
): Promise<{ htmlKey: string; narrativeKey: string; narrativeSha256: string }> {
  const json = JSON.stringify(narrative);
  const narrativeSha256 = sha256Hex(json);
  const htmlKey = documentKeys.protocolHtml(meetingId, version, signable.hash);
  const narrativeKey = documentKeys.protocolNarrative(meetingId, version, narrativeSha256);
  await Promise.all([
    documentsOf(deps).put(htmlKey, signable.html, 'text/html; charset=utf-8'),
    documentsOf(deps).put(narrativeKey, json, 'application/json; charset=utf-8'),
  ]);
  return { htmlKey, narrativeKey, narrativeSha256 };
}

/** СЛУШАЛИ / ВЫСТУПИЛИ of a stored version. */
export async function loadNarrative(deps: Deps, version: Pick<ProtocolVersionRecord, 'narrativeKey' | 'narrativeSha256'> | null): Promise<Narrative> {
  if (!version) return {};
  const bytes = await documentsOf(deps).getVerified(version.narrativeKey, version.narrativeSha256);
  return JSON.parse(bytes.toString('utf8')) as Narrative;
}

/**
 * The signed protocol as distributed (п. 3.4), made once: the first call renders and stores it, and
 * records its keys on the protocol; every later call (a retry, another recipient batch) reads the very
 * same bytes back, so every member gets one and the same document.
 */
export async function signedProtocolDocuments(
  deps: Deps,
  meetingId: string,
  recorded: SignedProtocolDocuments | undefined,
  render: (sentAt: string) => Promise<{ pdf: Buffer; html: string }>,
  sentAt: string,
): Promise<{ pdf: Buffer; html: string; documents: SignedProtocolDocuments }> {
  let documents = recorded;
  if (!documents) {
    const rendered = await render(sentAt);
    const pdfSha256 = sha256Hex(rendered.pdf);
    const htmlSha256 = sha256Hex(rendered.html);
    const pdfKey = documentKeys.signedProtocol(meetingId, pdfSha256, 'pdf');
    const htmlKey = documentKeys.signedProtocol(meetingId, htmlSha256, 'html');
    await Promise.all([
      documentsOf(deps).put(pdfKey, rendered.pdf, 'application/pdf'),
      documentsOf(deps).put(htmlKey, rendered.html, 'text/html; charset=utf-8'),
    ]);
    documents = await deps.store.protocols.recordSignedDocuments(meetingId, { pdfKey, pdfSha256, htmlKey, htmlSha256, sentAt });
    if (documents.pdfKey === pdfKey && documents.htmlKey === htmlKey) return { ...rendered, documents };
  }
  const [pdf, html] = await Promise.all([
    documentsOf(deps).getVerified(documents.pdfKey, documents.pdfSha256),
    documentsOf(deps).getVerified(documents.htmlKey, documents.htmlSha256),
  ]);
  return { pdf, html: html.toString('utf8'), documents };
}
