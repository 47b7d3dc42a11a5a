/** Keys of the Kvorum table (single-table design, ACCESS_PATTERNS.md) and how records leave it. */
import type { Instant } from '../domain/types.ts';
import { unmarshall, type Item } from './attributes.ts';

export const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'] as const;
export const ACTIVE_PARTITION = 'ACTIVE';
export const GROUPS_PARTITION = 'GROUPS';

export const keys = {
  group: (groupId: string) => ({ pk: `GROUP#${groupId}`, sk: 'GROUP' }),
  address: (groupId: string, email: string) => ({ pk: `GROUP#${groupId}`, sk: `ADDRESS#${email}` }),
  member: (groupId: string, memberId: string) => ({ pk: `GROUP#${groupId}`, sk: `MEMBER#${memberId}` }),
  meetingPartition: (meetingId: string) => `MEETING#${meetingId}`,
  meeting: (meetingId: string) => ({ pk: `MEETING#${meetingId}`, sk: 'MEETING' }),
  meetingsOfGroup: (groupId: string) => `GROUP#${groupId}#MEETINGS`,
  meetingSortKey: (startsAt: Instant, meetingId: string) => `${startsAt}#${meetingId}`,
  /** The ballot header: what voting is about (items, open/close instants); per-member facts are not here. */
  ballot: (meetingId: string) => ({ pk: `MEETING#${meetingId}`, sk: 'BALLOT' }),
  /** One item per member of a meeting (attendance, votes and their history, written opinions). */
  memberBallots: (meetingId: string) => `MEETING#${meetingId}#MEMBERS`,
  memberBallot: (meetingId: string, memberId: string) => ({ pk: `MEETING#${meetingId}#MEMBERS`, sk: `MEMBER#${memberId}` }),
  agendaItem: (meetingId: string, itemId: string) => ({ pk: `MEETING#${meetingId}`, sk: `ITEM#${itemId}` }),
  proposal: (meetingId: string, proposalId: string) => ({ pk: `MEETING#${meetingId}`, sk: `PROPOSAL#${proposalId}` }),
  invitee: (meetingId: string, inviteeId: string) => ({ pk: `MEETING#${meetingId}`, sk: `INVITEE#${inviteeId}` }),
  /** The protocol's own partition: header `HEAD`, one `SIGNER#<memberId>` per signer, copies `V#<n>`. */
  protocolPartition: (meetingId: string) => `MEETING#${meetingId}#PROTOCOL`,
  protocolHeader: (meetingId: string) => ({ pk: `MEETING#${meetingId}#PROTOCOL`, sk: 'HEAD' }),
  signer: (meetingId: string, memberId: string) => ({ pk: `MEETING#${meetingId}#PROTOCOL`, sk: `SIGNER#${memberId}` }),
  protocolVersion: (meetingId: string, version: number) => ({
    pk: `MEETING#${meetingId}#PROTOCOL`,
    sk: `V#${String(version).padStart(6, '0')}`,
  }),
  auditPartition: (meetingId: string) => `MEETING#${meetingId}#AUDIT`,
  link: (linkId: string) => ({ pk: `LINK#${linkId}`, sk: 'LINK' }),
  linksOfMeeting: (meetingId: string) => `MEETING#${meetingId}#LINKS`,
  send: (key: string) => ({ pk: `SEND#${key}`, sk: 'SEND' }),
  once: (key: string) => ({ pk: `ONCE#${key}`, sk: 'ONCE' }),
};

export type Key = { pk: string; sk: string };

export function strip<T>(item: Item): T {
  const record = unmarshall(item);
  for (const attribute of KEY_ATTRIBUTES) delete record[attribute];
  return record as T;
}

/** Deadlines are whole-second instants ("…T20:59:59Z"); compare against the same format. */
export function toSecondInstant(date: Date): Instant {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
