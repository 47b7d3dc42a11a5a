/**
 * GET of a meeting: everything the chair and the secretary need to see.
 */
import type { Deps } from '../deps.ts';
import { loadNarrative } from '../protocol-documents.ts';
import { missingSigners, participantsOf, tallies } from '../protocol-draft.ts';
import { Caller, authorize, loadMeeting } from './access.ts';
import { meetingSummary } from './views.ts';

/** GET /admin/meetings/{meetingId}: everything the chair and the secretary need to see. */
export async function getMeeting(deps: Deps, caller: Caller, meetingId: string) {
  const { group, bundle, meeting, context } = await loadMeeting(deps, meetingId);
  const member = authorize(caller, group, 'read', context);
  const closed = bundle.ballotBox.closedAt !== undefined;
  const result = closed ? tallies(group, bundle) : null;
  const protocol = bundle.protocol;
  return {
    meeting: meetingSummary(deps, meeting, member.lang),
    agenda: bundle.agenda,
    proposals: bundle.proposals,
    invitees: bundle.invitees,
    attendance: bundle.attendance,
    voting: {
      openedAt: bundle.ballotBox.openedAt ?? null,
      closedAt: bundle.ballotBox.closedAt ?? null,
      voters: Object.keys(bundle.ballotBox.votes),
      /** Every accepted vote change (п. 3.2), kept on the member items: the record of who voted how and when. */
      history: bundle.voteHistory,
    },
    participants: closed ? participantsOf(group.members, bundle.ballotBox) : null,
    tally: result ? { quorum: result.quorum, participants: result.participants, items: result.items } : null,
    opinions: bundle.opinions,
    dissents: bundle.dissents,
    protocol: protocol
      ? {
          version: protocol.version,
          hash: protocol.hash,
          signatures: protocol.signatures,
          signingDeadline: protocol.signingDeadline,
          finalisedAt: protocol.finalisedAt ?? null,
          missingSigners: missingSigners(group, bundle).map((m) => m.id),
          narrative: await loadNarrative(deps, protocol),
        }
      : null,
    audit: await deps.store.listAudit(meetingId),
  };
}
