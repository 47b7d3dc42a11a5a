/**
 * The chair's and the secretary's use cases (SPEC «Who»; issue 3 §4), as plain orchestration over
 * Deps: the HTTP handler (functions/handlers/admin.ts) only routes to them. Every use case checks who
 * may act before it changes anything, validates its input completely before the first write, and
 * appends an audit entry naming the acting member.
 *
 * One module per aggregate under functions/app/admin/; this file is their public face.
 */
export { callerFromClaims, requireCaller, authorize, storeRefusal, type AdminGroupName, type Caller } from './admin/access.ts';
export { meetingSummary, type MeetingSummary } from './admin/views.ts';
export { createGroup, updateGroup, getGroup } from './admin/groups.ts';
export { idempotentId, IDEMPOTENCY_KEY, conveneMeeting, type ConveneResult } from './admin/convene.ts';
export { getMeeting } from './admin/read.ts';
export { setAgenda, designateSpeakers, itemFromProposal, decideProposal, approveAgenda } from './admin/agenda.ts';
export { markAttendance, revokeLinks, resumeMeeting, appointActingSecretary, editNarrative, cancelMeeting, resumeAtAfterMove, moveMeeting } from './admin/meeting-actions.ts';
export { protocolHtml, protocolPdf } from './admin/protocol.ts';
