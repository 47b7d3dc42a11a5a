/**
 * The count per agenda item (SPEC «Vote»; п. 3.2 of the regulation).
 *
 * - Base: the frozen participants list. A participant who did not vote counts as not "for".
 * - Adopted when for × 2 > participants (majority of the participating members).
 * - Tie (for = against, at least one each): the presiding person's vote decides — the casting vote.
 *   If the presiding person abstained or did not vote, the item is not adopted.
 *   SPEC «Vote» decides the ambiguity: on a tie the presiding person's side wins whatever the number of
 *   abstentions (4 for, 4 against, 2 abstain of 10 with the chair "for" is adopted). This literal rule is
 *   not monotone — 5 for, 4 against, 1 abstain of 10 has no majority and is not adopted — and the tests
 *   pin both cases.
 * - No quorum (п. 3.3): nothing is adopted ('no-quorum').
 */
import type { Choice, ItemTally, Lang } from './types.ts';
import { hasQuorum } from './quorum.ts';

export class VoteFromNonParticipantError extends Error {
  constructor(readonly itemId: string, readonly voterIds: string[]) {
    super(`Item ${itemId}: votes from non-participants ${voterIds.join(', ')} (a ballot makes the voter a participant: pass the frozen list)`);
    this.name = 'VoteFromNonParticipantError';
  }
}

const CHOICES: ReadonlySet<string> = new Set<Choice>(['for', 'against', 'abstain']);

export type VotesOnItem = ReadonlyMap<string, Choice> | Readonly<Record<string, Choice>>;

export interface TallyInput {
  itemId: string;
  /** The frozen participants list (member ids). */
  participantIds: readonly string[];
  /** The last vote of each voter on this item. */
  votes: VotesOnItem;
  /** The presiding person (chair, or deputy while the chair is absent, п. 2.4); null if nobody presides. */
  presidingId: string | null;
  /** Whether the meeting has a quorum (п. 3.3). */
  quorum: boolean;
}

function entriesOf(votes: VotesOnItem): [string, Choice][] {
  return votes instanceof Map ? [...votes.entries()] : Object.entries(votes as Record<string, Choice>);
}

/** Fills ItemTally for one item. Throws VoteFromNonParticipantError for a vote by a non-participant. */
export function tallyItem(input: TallyInput): ItemTally {
  const participants = new Set(input.participantIds);
  const entries = entriesOf(input.votes);
  const strangers = entries.map(([id]) => id).filter((id) => !participants.has(id));
  if (strangers.length > 0) throw new VoteFromNonParticipantError(input.itemId, strangers);
  const counts = { for: 0, against: 0, abstain: 0 };
  for (const [voterId, choice] of entries) {
    if (!CHOICES.has(choice)) throw new RangeError(`Item ${input.itemId}: ${voterId} cast an unknown choice ${JSON.stringify(choice)}`);
    counts[choice] += 1;
  }
  const p = participants.size;
  const votesByVoter = new Map(entries);
  const base = {
    itemId: input.itemId,
    participants: p,
    ...counts,
    notVoted: p - entries.length,
    majorityNeeded: Math.floor(p / 2) + 1,
    decidedByCastingVote: false,
    presidingChoice: null as Choice | null,
  };

  if (!input.quorum) return { ...base, adopted: false, rule: 'no-quorum' };
  if (counts.for * 2 > p) return { ...base, adopted: true, rule: 'majority' };
  const tie = counts.for === counts.against && counts.for > 0;
  if (!tie) return { ...base, adopted: false, rule: 'no-majority' };

  const presidingChoice = input.presidingId !== null ? (votesByVoter.get(input.presidingId) ?? null) : null;
  const withChoice = { ...base, presidingChoice };
  if (presidingChoice !== 'for' && presidingChoice !== 'against') {
    return { ...withChoice, adopted: false, rule: 'tie-no-casting-vote' };
  }
  // SPEC «Vote» (п. 3.2, second sentence): on a tie the presiding person's side wins, whatever the
  // number of abstentions — the SPEC's decision where the regulation is ambiguous.
  return presidingChoice === 'for'
    ? { ...withChoice, adopted: true, decidedByCastingVote: true, rule: 'casting-vote-for' }
    : { ...withChoice, adopted: false, decidedByCastingVote: true, rule: 'casting-vote-against' };
}

export interface MeetingTallyInput {
  memberCount: number;
  participantIds: readonly string[];
  presidingId: string | null;
  items: readonly { itemId: string; votes: VotesOnItem }[];
}

/** Every item of a meeting, with the quorum (п. 3.3) decided once from the frozen list. */
export function tallyMeeting(input: MeetingTallyInput): ItemTally[] {
  const quorum = hasQuorum(new Set(input.participantIds).size, input.memberCount);
  return input.items.map((item) =>
    tallyItem({ itemId: item.itemId, votes: item.votes, participantIds: input.participantIds, presidingId: input.presidingId, quorum }),
  );
}

const CHOICE_WORDS: Record<Lang, Record<Choice, string>> = {
  ru: { for: 'за', against: 'против', abstain: 'воздержался' },
  en: { for: 'for', against: 'against', abstain: 'abstained' },
};

/**
 * The arithmetic as the protocol prints it, e.g.
 * «За — 5, против — 3, воздержались — 0, не голосовали — 0; участвовали 8, для принятия нужно не менее 5. Решение принято.»
 */
export function renderTally(t: ItemTally, lang: Lang): string {
  if (t.rule === 'no-quorum') {
    return lang === 'ru'
      ? `Кворума нет (п. 3.3): участвовали ${t.participants}, решение не принималось.`
      : `No quorum (п. 3.3): ${t.participants} took part; no decision was taken.`;
  }
  const counts = lang === 'ru'
    ? `За — ${t.for}, против — ${t.against}, воздержались — ${t.abstain}, не голосовали — ${t.notVoted}; участвовали ${t.participants}, для принятия нужно не менее ${t.majorityNeeded}.`
    : `For — ${t.for}, against — ${t.against}, abstained — ${t.abstain}, did not vote — ${t.notVoted}; ${t.participants} took part, at least ${t.majorityNeeded} needed to adopt.`;
  const outcome = lang === 'ru' ? (t.adopted ? 'Решение принято.' : 'Решение не принято.') : t.adopted ? 'Adopted.' : 'Not adopted.';
  const parts = [counts, outcome];
  const note = castingVoteNote(t, lang);
  if (note) parts.push(note);
  return parts.join(' ');
}

/** «При равенстве голосов решающим стал голос председательствующего (за).» — or why it could not decide. */
export function castingVoteNote(t: ItemTally, lang: Lang): string | null {
  const choice = t.presidingChoice ? CHOICE_WORDS[lang][t.presidingChoice] : null;
  if (t.decidedByCastingVote && choice) {
    return lang === 'ru'
      ? `При равенстве голосов решающим стал голос председательствующего (${choice}).`
      : `On a tie the presiding person's vote decided (${choice}).`;
  }
  if (t.rule === 'tie-no-casting-vote') {
    return lang === 'ru'
      ? 'При равенстве голосов председательствующий не голосовал «за» или «против»; решение не принято.'
      : 'On a tie the presiding person did not vote for or against; the item is not adopted.';
  }
  return null;
}
