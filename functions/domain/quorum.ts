/**
 * Participants and quorum (SPEC «Vote»; п. 3.3 of the regulation: the group may decide only if
 * at least half of its members take part — participants × 2 ≥ members; 8 of 16 is a quorum).
 */
import type { Lang, Member } from './types.ts';

export interface ParticipationRecord {
  /** Members who answered "I will take part". */
  confirmed?: Iterable<string>;
  /** Members the secretary marked present. */
  present?: Iterable<string>;
  /** Members who cast at least one ballot (a ballot makes the voter a participant). */
  voted?: Iterable<string>;
}

/**
 * The participants list: members who confirmed, were marked present or voted, each once, sorted
 * by id and frozen (it is frozen when voting closes and printed in the protocol). Ids that are not
 * members (invitees, strangers) are left out: invitees never take part in decisions (п. 2.3б).
 */
export function participantIds(members: readonly Pick<Member, 'id'>[], record: ParticipationRecord): readonly string[] {
  const memberIds = new Set(members.map((m) => m.id));
  const ids = new Set<string>();
  for (const source of [record.confirmed, record.present, record.voted]) {
    for (const id of source ?? []) if (memberIds.has(id)) ids.add(id);
  }
  return Object.freeze([...ids].sort());
}

function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

/** Fewest participants that make a quorum: ceil(members / 2) (п. 3.3). */
export function quorumThreshold(memberCount: number): number {
  assertCount('memberCount', memberCount);
  return Math.ceil(memberCount / 2);
}

/** п. 3.3: participants × 2 ≥ members (and a group with nobody taking part never decides). */
export function hasQuorum(participantCount: number, memberCount: number): boolean {
  assertCount('participantCount', participantCount);
  assertCount('memberCount', memberCount);
  if (participantCount > memberCount) throw new RangeError(`${participantCount} participants of ${memberCount} members`);
  return participantCount > 0 && participantCount * 2 >= memberCount;
}

export interface QuorumAssessment {
  members: number;
  participants: number;
  needed: number;
  quorum: boolean;
}

export function assessQuorum(memberCount: number, participantCount: number): QuorumAssessment {
  return {
    members: memberCount,
    participants: participantCount,
    needed: Math.max(1, quorumThreshold(memberCount)),
    quorum: hasQuorum(participantCount, memberCount),
  };
}

/** The protocol's quorum statement. */
export function renderQuorum(q: QuorumAssessment, lang: Lang): string {
  if (lang === 'ru') {
    return q.quorum
      ? `Членов рабочей группы — ${q.members}, участвуют — ${q.participants} (нужно не менее ${q.needed}). Кворум имеется (п. 3.3).`
      : `Членов рабочей группы — ${q.members}, участвуют — ${q.participants} (нужно не менее ${q.needed}). Кворума нет (п. 3.3): решения не принимаются.`;
  }
  return q.quorum
    ? `Members of the group: ${q.members}; taking part: ${q.participants} (at least ${q.needed} needed). There is a quorum (п. 3.3).`
    : `Members of the group: ${q.members}; taking part: ${q.participants} (at least ${q.needed} needed). There is no quorum (п. 3.3): no decisions are taken.`;
}
