/**
 * The protocol's sentences in Russian and English: tally arithmetic (п. 3.2), quorum (п. 3.3),
 * and small grammar helpers. Pure strings; escaping is the renderers' job.
 */
import type { Choice, ItemTally, Lang } from '../domain/types.ts';

/** Russian plural form: one (1, 21), few (2–4, 22–24), many (0, 5–20, 25…). */
export function pluralRu(n: number, one: string, few: string, many: string): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return one;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
  return many;
}

function pluralEn(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

export function choiceWord(choice: Choice | null, lang: Lang): string {
  if (lang === 'ru') {
    return choice === 'for' ? '«за»' : choice === 'against' ? '«против»' : choice === 'abstain' ? '«воздержался»' : 'не голосовал';
  }
  return choice === 'for' ? '"for"' : choice === 'against' ? '"against"' : choice === 'abstain' ? '"abstain"' : 'did not vote';
}

/** п. 3.3 with the arithmetic: «Участвуют 9 из 16 членов рабочей группы; кворум имеется (9 × 2 ≥ 16).» */
export function quorumSentence(participants: number, members: number, lang: Lang): string {
  const present = participants * 2 >= members;
  const sign = present ? '≥' : '<';
  if (lang === 'ru') {
    const verb = pluralRu(participants, 'Участвует', 'Участвуют', 'Участвуют');
    const noun = pluralRu(members, 'члена', 'членов', 'членов');
    return (
      `${verb} ${participants} из ${members} ${noun} рабочей группы; ` +
      (present
        ? `кворум имеется (${participants} × 2 ${sign} ${members}, п. 3.3).`
        : `кворума нет (${participants} × 2 ${sign} ${members}, п. 3.3). Заседание неправомочно принимать решения; решения не принимались.`)
    );
  }
  return (
    `${participants} of ${members} ${pluralEn(members, 'member', 'members')} of the working group take part; ` +
    (present
      ? `a quorum is present (${participants} × 2 ${sign} ${members}, cl. 3.3).`
      : `there is no quorum (${participants} × 2 ${sign} ${members}, cl. 3.3). The meeting may not decide; no decisions were taken.`)
  );
}

/** «за» — 5, «против» — 3, «воздержались» — 1, не голосовали — 0 (участвуют 9). */
export function countsSentence(t: ItemTally, lang: Lang): string {
  if (lang === 'ru') {
    return `«за» — ${t.for}, «против» — ${t.against}, «воздержались» — ${t.abstain}, не голосовали — ${t.notVoted} (участвуют ${t.participants}).`;
  }
  return `for — ${t.for}, against — ${t.against}, abstain — ${t.abstain}, did not vote — ${t.notVoted} (${t.participants} taking part).`;
}

/** The п. 3.2 arithmetic and outcome of one item, with the casting-vote note when it decided. */
export function outcomeSentence(t: ItemTally, lang: Lang): string {
  const ru = lang === 'ru';
  const need = t.majorityNeeded;
  const p = t.participants;
  const majority = ru
    ? `Для принятия решения необходимо более половины голосов участвующих членов рабочей группы: не менее ${need} «за» из ${p}.`
    : `A decision needs more than half of the participating members: at least ${need} "for" out of ${p}.`;
  const tie = ru
    ? `Голоса разделились поровну (${t.for} «за», ${t.against} «против»); решающим является голос председательствующего (п. 3.2)`
    : `The votes are tied (${t.for} for, ${t.against} against); the presiding person's vote decides (cl. 3.2)`;
  switch (t.rule) {
    case 'majority':
      return ru
        ? `${majority} ${t.for} ≥ ${need}. Решение принято.`
        : `${majority} ${t.for} ≥ ${need}. The decision is adopted.`;
    case 'no-majority':
      return ru
        ? `${majority} ${t.for} < ${need}. Решение не принято.`
        : `${majority} ${t.for} < ${need}. The decision is not adopted.`;
    case 'casting-vote-for':
      return ru
        ? `${tie}, который голосовал «за». Решение принято решающим голосом председательствующего.`
        : `${tie}; they voted "for". The decision is adopted by the presiding person's casting vote.`;
    case 'casting-vote-against':
      return ru
        ? `${tie}, который голосовал «против». Решение не принято решающим голосом председательствующего.`
        : `${tie}; they voted "against". The decision is not adopted by the presiding person's casting vote.`;
    case 'tie-no-casting-vote': {
      const what = t.presidingChoice === 'abstain'
        ? (ru ? 'воздержался' : 'abstained')
        : (ru ? 'не голосовал' : 'did not vote');
      return ru
        ? `${tie}, однако председательствующий ${what}, решающего голоса нет. Решение не принято.`
        : `${tie}, but the presiding person ${what}, so there is no casting vote. The decision is not adopted.`;
    }
    case 'no-quorum':
      return ru ? 'Кворума нет (п. 3.3): решение не принималось.' : 'No quorum (cl. 3.3): no decision was taken.';
  }
}
