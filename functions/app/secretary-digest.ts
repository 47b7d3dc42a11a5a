/**
 * The secretary's daily digest (issue 11 §6): EventBridge runs it every morning in AWS, the local
 * runtime once a day of its clock. For each group it gathers what happened in the 24 hours before the
 * run — agenda proposals (from the audit trail), «все подписали», distribution, bounced addresses — and
 * e-mails the group's secretary once per day (the send ledger keys the e-mail by the day). A quiet day
 * sends nothing.
 */
import pMap from 'p-map';
import { localDateOf } from '../domain/time.ts';
import type { IsoDate } from '../domain/types.ts';
import { secretaryDigest, type DigestBounce, type DigestMeeting } from '../mail/digest-messages.ts';
import type { GroupWithAddresses, MeetingRecord } from '../store/records.ts';
import type { Deps } from './deps.ts';

const DAY_MS = 86_400_000;
/** Meetings whose start lies further back than this have nothing left to report. */
const RECENT_MEETING_MS = 120 * DAY_MS;

export interface DigestResult {
  /** Group id → what happened to its digest. */
  groups: Record<string, 'quiet' | 'sent' | 'duplicate' | 'no-secretary' | 'failed'>;
}

export async function sendSecretaryDigests(deps: Deps): Promise<DigestResult> {
  const now = deps.clock.now();
  const since = now.getTime() - DAY_MS;
  const result: DigestResult = { groups: {} };
  const headers = await deps.store.listGroups();
  await pMap(
    headers,
    async (header) => {
      try {
        const group = await deps.store.getGroup(header.id);
        if (group) result.groups[header.id] = await digestOfGroup(deps, group, since, now);
      } catch (error) {
        // One group's failure (an SES outage: the ledger retries it tomorrow or at the next run) does not stop the others.
        console.error(JSON.stringify({ level: 'ERROR', message: 'secretary digest failed', groupId: header.id, error: String(error) }));
        result.groups[header.id] = 'failed';
      }
    },
    { concurrency: 2 },
  );
  return result;
}

async function digestOfGroup(deps: Deps, group: GroupWithAddresses, since: number, now: Date): Promise<DigestResult['groups'][string]> {
  const secretary = group.members.find((m) => m.role === 'secretary');
  if (!secretary) return 'no-secretary';
  const inWindow = (at: string) => Date.parse(at) > since && Date.parse(at) <= now.getTime();
  const meetings = (await deps.store.listMeetingsByGroup(group.id)).filter((m) => Date.parse(m.startsAt) > now.getTime() - RECENT_MEETING_MS);
  const reported = (await pMap(meetings, (m) => meetingDigest(deps, m, inWindow), { concurrency: 4 })).filter((m): m is DigestMeeting => m !== null);
  const byEmail = new Map(group.members.map((m) => [m.email.toLowerCase(), m.name]));
  const bounces: DigestBounce[] = Object.values(group.addresses)
    .filter((a) => a.state === 'failing' && inWindow(a.updatedAt))
    .map((a) => ({ name: byEmail.get(a.email) ?? a.email, email: a.email, at: a.updatedAt, ...(a.reason ? { reason: a.reason } : {}) }));
  if (reported.length === 0 && bounces.length === 0) return 'quiet';
  const day: IsoDate = localDateOf(now, group.settings.timeZone);
  const message = secretaryDigest({
    recipient: { name: secretary.name, lang: secretary.lang },
    groupName: group.name,
    timeZone: group.settings.timeZone,
    day,
    meetings: reported,
    bounces,
    adminUrl: `${deps.publicBaseUrl}/admin/`,
  });
  const sent = await deps.mailer.send({ meetingId: `group:${group.id}`, purpose: `digest:${day}`, recipient: secretary.id, revision: 1 }, message, secretary.email);
  return sent.status === 'sent' ? 'sent' : 'duplicate';
}

/** What one meeting has to report in the window, or null. */
async function meetingDigest(deps: Deps, meeting: MeetingRecord, inWindow: (at: string) => boolean): Promise<DigestMeeting | null> {
  const entries = (await deps.store.listAudit(meeting.id)).filter((e) => inWindow(e.at));
  const proposalIds = new Set(entries.filter((e) => e.action === 'proposal').map((e) => String(e.detail.proposalId)));
  const proposals = proposalIds.size > 0 ? (await deps.store.listProposals(meeting.id)).filter((p) => proposalIds.has(p.id)) : [];
  const digest: DigestMeeting = {
    title: meeting.title,
    number: meeting.number,
    startsAt: meeting.startsAt,
    proposals: proposals.map((p) => (p.kind === 'invitation' && p.invitee ? `${p.invitee.name}, ${p.invitee.position}` : (p.item?.title ?? p.text.split('\n')[0] ?? ''))),
    allSigned: entries.some((e) => e.action === 'signatures-complete'),
    distributed: entries.some((e) => e.action === 'protocol-distributed'),
  };
  return digest.proposals.length > 0 || digest.allSigned || digest.distributed ? digest : null;
}
