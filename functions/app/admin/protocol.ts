/**
 * The protocol document (HTML, PDF) as the chair and the secretary download it.
 */
import type { Lang } from '../../domain/types.ts';
import { notFound } from '../../http/errors.ts';
import { renderProtocolHtml } from '../../protocol/html.ts';
import { renderProtocolPdf } from '../../protocol/pdf.ts';
import type { Deps } from '../deps.ts';
import { loadNarrative } from '../protocol-documents.ts';
import { buildProtocolModel } from '../protocol-draft.ts';
import { Caller, authorize, loadMeeting } from './access.ts';

async function protocolModelOf(deps: Deps, caller: Caller, meetingId: string) {
  const { group, bundle, context } = await loadMeeting(deps, meetingId);
  authorize(caller, group, 'read', context);
  if (!bundle.protocol) throw notFound('protocol', 'Протокол ещё не составлен.', 'The protocol has not been drafted yet.');
  return { model: buildProtocolModel(group, bundle, { votingClosed: true, narrative: await loadNarrative(deps, bundle.protocol) }), meeting: bundle.meeting };
}

/** GET /admin/meetings/{id}/protocol.html */
export async function protocolHtml(deps: Deps, caller: Caller, meetingId: string, lang: Lang = 'ru'): Promise<string> {
  const { model } = await protocolModelOf(deps, caller, meetingId);
  return renderProtocolHtml(model, lang);
}

/** GET /admin/meetings/{id}/protocol.pdf */
export async function protocolPdf(deps: Deps, caller: Caller, meetingId: string, lang: Lang = 'ru'): Promise<{ pdf: Buffer; filename: string }> {
  const { model, meeting } = await protocolModelOf(deps, caller, meetingId);
  return { pdf: await renderProtocolPdf(model, lang), filename: `protocol-${meeting.number ?? meeting.id}.pdf` };
}
