/**
 * The signing link (п. 2.6з, 3.4) and the dissent link (п. 2.6ж): the page of the exact version with
 * its SHA-256, the signature as one conditional write, and a dissenting opinion that makes a new version.
 */
import { html } from '../../lib/html.ts';
import {
  dissentPage,
  errorPage,
  signPage,
  successPage,
  t,
  type FieldErrors,
} from '../../pages/index.ts';
import { renderProtocolArticle } from '../../protocol/html.ts';
import { renderProtocolPdf } from '../../protocol/pdf.ts';
import { ConditionFailedError } from '../../store/errors.ts';
import type { GroupHeader, MeetingBundle } from '../../store/records.ts';
import { completePhase } from '../steps/execution.ts';
import { draftProtocol, sendSigningLinks } from '../steps/signatures.ts';
import { findIssuedLink } from '../links.ts';
import { signingDeadlineOf } from '../meeting-view.ts';
import { loadNarrative } from '../protocol-documents.ts';
import { buildProtocolModel, participantsOf } from '../protocol-draft.ts';
import { approvedItems, audit, badRequest, bundleOf, isCtx, late, past, text, type LinkCtx, type LinkResponse } from './link-context.ts';

// ------------------------------------------------------------------ dissenting opinion (п. 2.6ж)

export async function dissent(ctx: LinkCtx, form: Record<string, string>): Promise<LinkResponse> {
  const bundle = await bundleOf(ctx);
  const items = approvedItems(bundle);
  const errors: FieldErrors = {};
  const itemId = form.itemId ?? '';
  if (itemId && !items.some((i) => i.id === itemId)) errors.itemId = { code: 'invalid-choice' };
  const value = text(form, 'text', 20000, errors, true);
  if (Object.keys(errors).length > 0) {
    return dissentPage({ facts: ctx.facts, action: ctx.action, items, deadline: signingDeadlineOf(ctx.meeting), values: { itemId, text: value ?? '' }, errors });
  }
  const body = value ?? '';
  try {
    const previous = (await ctx.deps.store.protocols.getSigner(ctx.meeting.id, ctx.member.id))?.dissent;
    const record = await ctx.deps.store.protocols.submitDissent(ctx.meeting.id, ctx.member.id, body, itemId || undefined);
    // The dissent is part of the protocol: a new version (signatures collected again, SPEC step 6).
    try {
      await draftProtocol(ctx.deps, ctx.group, ctx.meeting.id, ctx.member.id);
    } catch (error) {
      // Finalised between the dissent and its version: no version holds it, so it is taken back.
      if (error instanceof ConditionFailedError && error.reason === 'finalised') await ctx.deps.store.protocols.withdrawDissent(ctx.meeting.id, ctx.member.id, record, previous);
      throw error;
    }
    await sendSigningLinks(ctx.deps, ctx.group, ctx.meeting);
    await audit(ctx, 'dissent', {});
    const about = itemId ? items.find((i) => i.id === itemId)?.title : t(ctx.lang, 'Протокол в целом', 'The protocol as a whole');
    return successPage({ facts: ctx.facts, kind: 'dissent', recordedAt: record.submittedAt, recorded: [[t(ctx.lang, 'По вопросу', 'About'), about ?? ''], [t(ctx.lang, 'Особое мнение', 'Dissenting opinion'), body]] });
  } catch (error) {
    if (error instanceof ConditionFailedError && ['deadline-passed', 'finalised', 'not-found'].includes(error.reason)) {
      return late(ctx, 'dissent', signingDeadlineOf(ctx.meeting), value);
    }
    // The dissent link is issued to participants, who all sign; anyone else has nothing to attach to.
    if (error instanceof ConditionFailedError && error.reason === 'not-a-signer') return errorPage({ lang: ctx.lang, reason: 'revoked', facts: ctx.facts });
    throw error;
  }
}

// ------------------------------------------------------------------ sign (п. 2.6з, 3.4)

export async function signForm(ctx: LinkCtx, bundle: MeetingBundle): Promise<LinkResponse> {
  const protocol = bundle.protocol;
  if (!protocol) return errorPage({ lang: ctx.lang, reason: 'unknown', facts: ctx.facts });
  const mine = protocol.signatures[ctx.member.id];
  if (mine) return errorPage({ lang: ctx.lang, reason: 'used', facts: ctx.facts, usedAt: mine.at, action: 'signature' });
  if (protocol.finalisedAt || past(ctx, signingDeadlineOf(ctx.meeting))) return late(ctx, 'signature', signingDeadlineOf(ctx.meeting));
  const model = buildProtocolModel(ctx.group, bundle, { votingClosed: true, narrative: await loadNarrative(ctx.deps, protocol) });
  return signPage({
    facts: ctx.facts,
    action: ctx.action,
    protocolSha256: protocol.hash,
    protocol: renderProtocolArticle(model, 'ru', { variant: 'signable' }),
    pdfUrl: `${ctx.action}?format=pdf`,
    signingDeadline: signingDeadlineOf(ctx.meeting),
  });
}

/**
 * п. 2.6ж: a participant may attach a dissenting opinion until signing ends. The personal dissent link,
 * issued with the signing links, is offered on the signing page. The page only reads it (a GET never
 * writes): a link the secretary revoked is not offered.
 */
export async function withDissentLink(ctx: LinkCtx, bundle: MeetingBundle, page: LinkResponse): Promise<LinkResponse> {
  if (page.status !== 200 || !participantsOf(ctx.group.members, bundle.ballotBox).includes(ctx.member.id)) return page;
  const url = await findIssuedLink(ctx.deps, { meetingId: ctx.meeting.id, groupId: ctx.group.id, memberId: ctx.member.id, purpose: 'dissent', expiresAt: signingDeadlineOf(ctx.meeting), revision: ctx.meeting.revision });
  if (!url) return page;
  const offer = html`<p class="note"><a href="${url}">${t(ctx.lang, 'Приложить к протоколу особое мнение (п. 2.6ж)', 'Attach a dissenting opinion to the minutes (cl. 2.6(g))')}</a></p>`;
  return { ...page, html: page.html.replace('<form method="post"', `${offer.toString()}\n<form method="post"`) };
}

export async function protocolPdf(ctx: LinkCtx, bundle: MeetingBundle): Promise<LinkResponse> {
  const model = buildProtocolModel(ctx.group, bundle, { votingClosed: true, narrative: await loadNarrative(ctx.deps, bundle.protocol) });
  const pdf = await renderProtocolPdf(model, 'ru', { variant: 'signable' });
  return { status: 200, html: '', contentType: 'application/pdf', body: pdf, filename: `protocol-${ctx.meeting.number ?? ''}.pdf` };
}

/**
 * п. 2.6з, 3.4: ONE conditional write on the signer's own item (bound to the hash of the current
 * version) records the signature; one atomic ADD on the header's count tells whether it was the last
 * one. Before it: the link with the meeting, the group header and the member in one BatchGetItem.
 * Nothing else is read unless a write is refused (or the last signature completes the phase).
 */
export async function sign(ctx: LinkCtx<GroupHeader>, form: Record<string, string>, whole: () => Promise<LinkCtx | LinkResponse>): Promise<LinkResponse> {
  const hash = form.sha256 ?? '';
  if (!/^[0-9a-f]{64}$/.test(hash) || Object.keys(form).some((k) => k !== 'sha256')) return badRequest(ctx);
  try {
    const protocols = ctx.deps.store.protocols;
    const { signature, recorded, version } = await protocols.sign(ctx.meeting.id, ctx.member.id, hash, ctx.link.id);
    if (!recorded) {
      // A repeat: the first try may have died before its signature was counted, so completion is checked in full.
      if (await protocols.signingComplete(ctx.meeting.id)) await completePhase(ctx.deps, ctx.meeting.id, 'signatures');
      return errorPage({ lang: ctx.lang, reason: 'used', facts: ctx.facts, usedAt: signature.at, action: 'signature' });
    }
    const last = (await protocols.countSignature(ctx.meeting.id, version, hash)) ?? (await protocols.signingComplete(ctx.meeting.id));
    if (last) await completePhase(ctx.deps, ctx.meeting.id, 'signatures');
    return successPage({ facts: ctx.facts, kind: 'signed', recordedAt: signature.at, recorded: [['SHA-256', hash]] });
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    // The protocol changed after the page was opened: show the current version instead of signing blind.
    if (error.reason === 'stale') {
      const full = await whole();
      return isCtx(full) ? { ...(await signForm(full, await bundleOf(full))), status: 409 } : full;
    }
    if (error.reason === 'deadline-passed' || error.reason === 'finalised') return late(ctx, 'signature', signingDeadlineOf(ctx.meeting));
    if (error.reason === 'not-a-signer') return errorPage({ lang: ctx.lang, reason: 'revoked', facts: ctx.facts });
    if (error.reason === 'not-found') return errorPage({ lang: ctx.lang, reason: 'unknown', facts: ctx.facts });
    throw error;
  }
}
