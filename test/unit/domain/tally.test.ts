import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { castingVoteNote, renderTally, tallyItem, tallyMeeting, VoteFromNonParticipantError } from '../../../functions/domain/tally.ts';
import type { Choice } from '../../../functions/domain/types.ts';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `m${i + 1}`);

/** Votes for participants m1…: the given counts in order for, against, abstain; the rest do not vote. */
function votes(f: number, a: number, ab: number, overrides: Record<string, Choice | undefined> = {}): Record<string, Choice> {
  const result: Record<string, Choice> = {};
  let i = 1;
  for (const [choice, count] of [['for', f], ['against', a], ['abstain', ab]] as const) {
    for (let k = 0; k < count; k += 1) result[`m${i++}`] = choice;
  }
  for (const [id, choice] of Object.entries(overrides)) {
    if (choice) result[id] = choice;
    else delete result[id];
  }
  return result;
}

const tally = (participants: number, v: Record<string, Choice>, presidingId: string | null = 'chair', quorum = true) =>
  tallyItem({ itemId: 'i1', participantIds: ids(participants), votes: v, presidingId, quorum });

describe('tallyItem (п. 3.2)', () => {
  it('adopts with more than half of the participants', () => {
    const t = tally(8, votes(5, 3, 0));
    expect(t).toMatchObject({ participants: 8, for: 5, against: 3, abstain: 0, notVoted: 0, majorityNeeded: 5, adopted: true, rule: 'majority', decidedByCastingVote: false });
  });

  it('exactly half "for" with the rest abstaining is not a majority', () => {
    expect(tally(8, votes(4, 0, 4))).toMatchObject({ adopted: false, rule: 'no-majority' });
  });

  it('a participant who did not vote counts as not "for"', () => {
    const t = tally(9, votes(4, 2, 0));
    expect(t).toMatchObject({ notVoted: 3, majorityNeeded: 5, adopted: false, rule: 'no-majority' });
  });

  describe('tie (for = against): the presiding person decides', () => {
    // m1..m4 for, m5..m8 against; the presiding person is m1 (for) or m5 (against).
    it('presiding for → adopted by the casting vote', () => {
      expect(tally(8, votes(4, 4, 0), 'm1')).toMatchObject({ adopted: true, rule: 'casting-vote-for', decidedByCastingVote: true, presidingChoice: 'for' });
    });
    it('presiding against → not adopted by the casting vote', () => {
      expect(tally(8, votes(4, 4, 0), 'm5')).toMatchObject({ adopted: false, rule: 'casting-vote-against', decidedByCastingVote: true, presidingChoice: 'against' });
    });
    it('presiding abstained → not adopted, no casting vote', () => {
      expect(tally(9, votes(4, 4, 1), 'm9')).toMatchObject({ adopted: false, rule: 'tie-no-casting-vote', decidedByCastingVote: false, presidingChoice: 'abstain' });
    });
    it('presiding did not vote → not adopted, no casting vote', () => {
      expect(tally(9, votes(4, 4, 0), 'm9')).toMatchObject({ adopted: false, rule: 'tie-no-casting-vote', notVoted: 1, presidingChoice: null });
    });
    it('presiding person not among the participants → no casting vote', () => {
      expect(tally(8, votes(4, 4, 0), 'absent-chair')).toMatchObject({ adopted: false, rule: 'tie-no-casting-vote', presidingChoice: null });
    });
    it('the deputy presiding for the absent chair casts the deciding vote', () => {
      // The chair (m1) is absent, so not a participant; the deputy is m2.
      const participants = ['m2', 'm3', 'm4', 'm5'];
      const t = tallyItem({ itemId: 'i1', participantIds: participants, votes: { m2: 'for', m3: 'against', m4: 'for', m5: 'against' }, presidingId: 'm2', quorum: true });
      expect(t).toMatchObject({ adopted: true, rule: 'casting-vote-for', decidedByCastingVote: true });
    });
    it('one abstention: on a tie the presiding side wins (4 for, 4 against, 1 abstain of 9)', () => {
      expect(tally(9, votes(4, 4, 1), 'm1')).toMatchObject({ adopted: true, rule: 'casting-vote-for' });
    });
    it('two abstentions: on a tie the presiding side still wins (SPEC «Vote»: 4 for, 4 against, 2 abstain of 10)', () => {
      const t = tally(10, votes(4, 4, 2), 'm1');
      expect(t).toMatchObject({ adopted: true, rule: 'casting-vote-for', decidedByCastingVote: true, presidingChoice: 'for' });
      expect(castingVoteNote(t, 'en')).toContain("presiding person's vote decided (for)");
    });
  });

  it('nobody voting → not adopted, everyone counted as not voted', () => {
    expect(tally(8, {}, 'm1')).toMatchObject({ for: 0, against: 0, abstain: 0, notVoted: 8, adopted: false, rule: 'no-majority' });
  });

  it('all abstaining → not adopted', () => {
    expect(tally(8, votes(0, 0, 8), 'm1')).toMatchObject({ abstain: 8, adopted: false, rule: 'no-majority' });
  });

  it('one-member group: the single vote decides', () => {
    expect(tally(1, { m1: 'for' }, 'm1')).toMatchObject({ adopted: true, majorityNeeded: 1, rule: 'majority' });
    expect(tally(1, { m1: 'against' }, 'm1')).toMatchObject({ adopted: false, rule: 'no-majority' });
  });

  it('no quorum → nothing adopted, whatever the votes', () => {
    expect(tally(7, votes(7, 0, 0), 'm1', false)).toMatchObject({ adopted: false, rule: 'no-quorum', for: 7 });
  });

  it('refuses votes from non-participants', () => {
    expect(() => tally(3, { m1: 'for', stranger: 'for' })).toThrow(VoteFromNonParticipantError);
  });

  it('refuses unknown choices', () => {
    expect(() => tally(3, { m1: 'maybe' as Choice })).toThrow(RangeError);
  });

  it('accepts a Map of votes', () => {
    expect(tallyItem({ itemId: 'i', participantIds: ['a', 'b'], votes: new Map<string, Choice>([['a', 'for'], ['b', 'for']]), presidingId: 'a', quorum: true }).adopted).toBe(true);
  });
});

describe('tallyMeeting', () => {
  it('decides the quorum once: 8 of 16 decides, 7 of 16 does not', () => {
    const items = [{ itemId: 'a', votes: votes(8, 0, 0) }, { itemId: 'b', votes: votes(3, 5, 0) }];
    expect(tallyMeeting({ memberCount: 16, participantIds: ids(8), presidingId: 'm1', items }).map((t) => t.rule)).toEqual(['majority', 'no-majority']);
    const noQuorum = tallyMeeting({ memberCount: 16, participantIds: ids(7), presidingId: 'm1', items: [{ itemId: 'a', votes: votes(7, 0, 0) }] });
    expect(noQuorum.map((t) => [t.rule, t.adopted])).toEqual([['no-quorum', false]]);
  });
});

describe('renderTally', () => {
  it('prints the arithmetic in Russian and English', () => {
    const t = tally(8, votes(5, 3, 0));
    expect(renderTally(t, 'ru')).toBe('За — 5, против — 3, воздержались — 0, не голосовали — 0; участвовали 8, для принятия нужно не менее 5. Решение принято.');
    expect(renderTally(t, 'en')).toBe('For — 5, against — 3, abstained — 0, did not vote — 0; 8 took part, at least 5 needed to adopt. Adopted.');
  });
  it('says when the casting vote decided', () => {
    expect(renderTally(tally(8, votes(4, 4, 0), 'm1'), 'ru')).toContain('При равенстве голосов решающим стал голос председательствующего (за).');
    expect(renderTally(tally(8, votes(4, 4, 0), 'm5'), 'ru')).toContain('Решение не принято. При равенстве голосов решающим стал голос председательствующего (против).');
    expect(renderTally(tally(8, votes(4, 4, 0), 'm1'), 'en')).toContain("On a tie the presiding person's vote decided (for).");
    expect(renderTally(tally(9, votes(4, 4, 0), 'm9'), 'ru')).toContain('председательствующий не голосовал');
  });
  it('says when there was no quorum', () => {
    expect(renderTally(tally(7, votes(7, 0, 0), 'm1', false), 'ru')).toBe('Кворума нет (п. 3.3): участвовали 7, решение не принималось.');
  });
});

// ---------- properties ----------

const choiceOrNone = fc.constantFrom<Choice | null>('for', 'against', 'abstain', null);
const ballotBox = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.record({
    choices: fc.array(choiceOrNone, { minLength: n, maxLength: n }),
    presiding: fc.option(fc.integer({ min: 0, max: n - 1 }), { nil: null }),
    quorum: fc.boolean(),
  }),
);

function run(choices: (Choice | null)[], presiding: number | null, quorum: boolean) {
  const participantIds = choices.map((_, i) => `p${i}`);
  const v: Record<string, Choice> = {};
  choices.forEach((c, i) => {
    if (c) v[`p${i}`] = c;
  });
  return tallyItem({ itemId: 'x', participantIds, votes: v, presidingId: presiding === null ? null : `p${presiding}`, quorum });
}

describe('tally properties', () => {
  it('every participant is counted exactly once', () => {
    fc.assert(
      fc.property(ballotBox, ({ choices, presiding, quorum }) => {
        const t = run(choices, presiding, quorum);
        expect(t.for + t.against + t.abstain + t.notVoted).toBe(t.participants);
        expect(t.participants).toBe(choices.length);
        expect(t.majorityNeeded).toBe(Math.floor(choices.length / 2) + 1);
      }),
    );
  });

  it('turning a non-"for" participant into "for" never rejects an item adopted by majority', () => {
    fc.assert(
      fc.property(ballotBox, fc.nat(), ({ choices, presiding, quorum }, pick) => {
        const before = run(choices, presiding, quorum);
        const nonFor = choices.map((c, i) => (c === 'for' ? -1 : i)).filter((i) => i >= 0);
        fc.pre(nonFor.length > 0);
        const changed = [...choices];
        changed[nonFor[pick % nonFor.length]!] = 'for';
        const after = run(changed, presiding, quorum);
        if (before.adopted && before.rule === 'majority') expect(after).toMatchObject({ adopted: true, rule: 'majority' });
        // An item carried by the casting vote is not covered: the SPEC's literal tie rule is not monotone (next test).
      }),
    );
  });

  it('the SPEC tie rule is not monotone, and the protocol shows why: 4/4/2 carried by the chair, 5/4/1 short of a majority', () => {
    const tie = run(['for', 'for', 'for', 'for', 'against', 'against', 'against', 'against', 'abstain', 'abstain'], 0, true);
    const moreFor = run(['for', 'for', 'for', 'for', 'against', 'against', 'against', 'against', 'for', 'abstain'], 0, true);
    expect(tie).toMatchObject({ adopted: true, rule: 'casting-vote-for' });
    expect(moreFor).toMatchObject({ adopted: false, rule: 'no-majority', majorityNeeded: 6 });
  });

  it('adoption is exactly: majority, or a tie where the presiding person voted "for"', () => {
    fc.assert(
      fc.property(ballotBox, ({ choices, presiding, quorum }) => {
        const t = run(choices, presiding, quorum);
        const presidingChoice = presiding === null ? null : choices[presiding];
        const expected = quorum && (t.for * 2 > t.participants || (t.for === t.against && t.for > 0 && presidingChoice === 'for'));
        expect(t.adopted).toBe(expected);
        expect(t.decidedByCastingVote).toBe(t.rule === 'casting-vote-for' || t.rule === 'casting-vote-against');
      }),
    );
  });
});
