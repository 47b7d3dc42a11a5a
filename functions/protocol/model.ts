/**
 * Everything the protocol of one meeting prints (SPEC «Protocol»; п. 2.5е, 2.6ж, 2.6з, 2.7, 3.2–3.4),
 * as plain data. Whoever drafts the protocol (the protocol task) fills this in from the meeting
 * record; the renderers (html.ts, pdf.ts) turn it into the document people read and sign.
 *
 * Conventions: instants are ISO UTC strings and are shown in `timeZone` (with the zone);
 * people's text (names, narrative, opinions) is stored raw and escaped by the renderers.
 */
import type { Choice, Instant, ItemTally, Lang } from '../domain/types.ts';

export interface ProtocolPerson {
  name: string;
  /** Position (должность), printed after the name when known. */
  position?: string;
}

/** п. 2.3д, 2.4: the chair presides; when the chair is absent, the deputy chair does. */
export interface PresidingPerson {
  name: string;
  role: 'chair' | 'deputy';
  /** When the deputy presides: the absent chair's name (printed «председатель … отсутствует»). */
  absentChairName?: string;
}

/** п. 2.5 (last paragraph): when the secretary is absent, a member appointed by the presiding person acts. */
export interface ProtocolSecretary {
  name: string;
  acting: boolean;
  /** When acting: the absent secretary's name. */
  absentSecretaryName?: string;
}

/** п. 2.3б: invitees have no vote and do not count for quorum. */
export interface ProtocolInvitee {
  name: string;
  position: string;
  organisation?: string;
}

/** ВЫСТУПИЛИ: one speech in the discussion, as the secretary recorded it. */
export interface ProtocolSpeech {
  speaker: string;
  summary: string;
}

/** п. 2.7: a written opinion of an absent member on one agenda item. */
export interface WrittenOpinion {
  author: string;
  text: string;
  receivedAt: Instant;
  /**
   * Whether it came before the п. 2.7 deadline (end of the day before the meeting day).
   * Opinions in time are attached to the protocol as its integral part; late ones are only
   * recorded as refused (their text is not attached).
   */
  inTime: boolean;
}

/** One named vote (п. 2.6б: voting is open and named). */
export interface NamedVote {
  name: string;
  choice: Choice | null;
}

export interface ProtocolItem {
  itemId: string;
  title: string;
  /** СЛУШАЛИ: the speakers the chair designated (п. 2.3г). */
  speakers: string[];
  /** Optional summary of the report under СЛУШАЛИ. */
  heard?: string;
  /** ВЫСТУПИЛИ. */
  speeches: ProtocolSpeech[];
  /** РЕШИЛИ: the text of the decision put to the vote. */
  decision: string;
  /** п. 3.2 outcome; null when no vote took place (e.g. no quorum). */
  tally: ItemTally | null;
  /** Optional named votes, printed when present. */
  votes?: NamedVote[];
  writtenOpinions: WrittenOpinion[];
}

/** п. 2.6ж: a dissenting opinion (особое мнение), attached to the protocol. */
export interface DissentingOpinion {
  id: string;
  author: string;
  /** The agenda item it concerns; absent = the protocol as a whole. */
  itemId?: string;
  text: string;
  submittedAt: Instant;
}

/** A material attached to the protocol (listed under «Приложения»). */
export interface ProtocolMaterial {
  title: string;
  /** e.g. "12 л." / "12 pages"; free text. */
  note?: string;
}

export type SignatureCapacity = 'chair' | 'deputy' | 'secretary' | 'acting-secretary' | 'member';

/** SPEC «Links in e-mails»: the evidence kept for an electronic signature. */
export interface SignatureEvidence {
  signedAt: Instant;
  /** SHA-256 (hex) of the version signed — see protocolHash in html.ts. */
  documentSha256: string;
  /** Id of the personal link used to sign. */
  linkId: string;
}

/** п. 3.4: chair (or presiding deputy), secretary (or acting) and every participating member sign. */
export interface ProtocolSignature {
  name: string;
  capacity: SignatureCapacity;
  /** null = not signed (printed «не подписано»). */
  evidence: SignatureEvidence | null;
}

export interface ProtocolModel {
  meetingId: string;
  /** IANA zone every time is shown in (the group's). */
  timeZone: string;
  bodyName: string;
  groupName: string;
  /** Sequential number of the meeting, printed «№ 3». */
  number: string;
  /** Start of the meeting. */
  meetingStart: Instant;
  place?: string;
  title: string;
  presiding: PresidingPerson;
  secretary: ProtocolSecretary;
  /** п. 2.2: number of members in the group (the quorum base, п. 3.3). */
  membershipCount: number;
  /** The participants list, frozen when voting closed (SPEC lifecycle 5). */
  participants: ProtocolPerson[];
  absentees: ProtocolPerson[];
  invitees: ProtocolInvitee[];
  agenda: ProtocolItem[];
  dissentingOpinions: DissentingOpinion[];
  materials: ProtocolMaterial[];
  /** п. 2.7 deadline for written opinions (printed in the «Порядок подсчёта» note). */
  opinionsDeadline: Instant;
  signatures: ProtocolSignature[];
  /** The moment of finalisation (SPEC lifecycle 6); absent while signatures are being collected. */
  signedAt?: Instant;
  /** The language of the version people sign (its hash is the recorded one); default 'ru'. */
  signedLang?: Lang;
  /** п. 3.4 distribution: when it was sent, or the deadline it will be sent by. */
  distribution: { sentAt?: Instant; dueBy?: Instant };
}

/** п. 3.3: the group may decide only if participants × 2 ≥ members. */
export function hasQuorum(model: Pick<ProtocolModel, 'participants' | 'membershipCount'>): boolean {
  return model.participants.length * 2 >= model.membershipCount;
}

/**
 * The model as it stands before anyone signs: what the signature hash covers. Signature evidence,
 * the signing date and the distribution date are added later and are not part of what is signed.
 */
export function signableModel(model: ProtocolModel): ProtocolModel {
  return {
    ...model,
    signatures: model.signatures.map((s) => ({ ...s, evidence: null })),
    signedAt: undefined,
    distribution: {},
  };
}
