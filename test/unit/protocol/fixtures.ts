import type { ItemTally } from '../../../functions/domain/types.ts';
import type { ProtocolModel } from '../../../functions/protocol/model.ts';

export const XSS_SCRIPT = '<script>alert(1)</script>';
export const XSS_ATTR = `"'><img src=x onerror=alert(1)>`;

function tally(partial: Partial<ItemTally> & Pick<ItemTally, 'itemId' | 'participants' | 'for' | 'against' | 'abstain' | 'notVoted' | 'adopted' | 'rule'>): ItemTally {
  return {
    majorityNeeded: Math.floor(partial.participants / 2) + 1,
    decidedByCastingVote: false,
    presidingChoice: null,
    ...partial,
  };
}

/** 16 members, 9 take part; the chair is absent (deputy presides), the secretary is absent (acting). */
export function fullModel(): ProtocolModel {
  const participants = [
    'Петров Пётр Петрович',
    'Сидоров Сидор Сидорович',
    'Кузнецова Анна Ивановна',
    'Смирнов Олег Викторович',
    'Васильева Мария Андреевна',
    'Попов Игорь Николаевич',
    'Морозова Елена Сергеевна',
    'Новиков Андрей Павлович',
    'Фёдоров Денис Олегович',
  ].map((name) => ({ name }));
  return {
    meetingId: 'm-2026-03',
    timeZone: 'Europe/Astrakhan',
    bodyName: 'Администрация муниципального образования «Городской округ город Астрахань»',
    groupName: 'Рабочая группа по внедрению принципов и стандартов клиентоцентричности',
    number: '3',
    meetingStart: '2026-03-10T06:00:00Z',
    place: 'ул. Чернышевского, 6, каб. 10',
    title: 'О внедрении стандартов клиентоцентричности',
    presiding: { name: 'Петров Пётр Петрович', role: 'deputy', absentChairName: 'Иванов Иван Иванович' },
    secretary: { name: 'Сидоров Сидор Сидорович', acting: true, absentSecretaryName: 'Орлова Ольга Олеговна' },
    membershipCount: 16,
    participants,
    absentees: [
      { name: 'Иванов Иван Иванович', position: 'председатель' },
      { name: 'Орлова Ольга Олеговна' },
      { name: 'Лебедев Лев Львович' },
      { name: 'Козлов Кирилл Романович' },
      { name: 'Егорова Ева Евгеньевна' },
      { name: 'Павлов Павел Павлович' },
      { name: 'Зайцев Захар Захарович' },
    ],
    invitees: [{ name: 'Гостев Глеб Глебович', position: 'начальник отдела', organisation: 'Министерство экономического развития Астраханской области' }],
    agenda: [
      {
        itemId: 'i1',
        title: 'Об утверждении плана мероприятий на 2026 год',
        speakers: ['Кузнецова Анна Ивановна'],
        heard: 'о проекте плана мероприятий',
        speeches: [{ speaker: 'Смирнов Олег Викторович', summary: 'предложил дополнить план разделом об обучении' }],
        decision: 'Утвердить план мероприятий на 2026 год.',
        tally: tally({ itemId: 'i1', participants: 9, for: 4, against: 4, abstain: 1, notVoted: 0, adopted: true, rule: 'casting-vote-for', decidedByCastingVote: true, presidingChoice: 'for' }),
        writtenOpinions: [
          { author: 'Лебедев Лев Львович', text: 'Поддерживаю план.\nПрошу учесть замечания.', receivedAt: '2026-03-08T10:00:00Z', inTime: true },
          { author: 'Козлов Кирилл Романович', text: 'Против плана.', receivedAt: '2026-03-09T21:30:00Z', inTime: false },
        ],
      },
      {
        itemId: 'i2',
        title: 'О создании подкомиссии',
        speakers: ['Попов Игорь Николаевич'],
        speeches: [],
        decision: 'Создать подкомиссию по стандартам обслуживания.',
        tally: tally({ itemId: 'i2', participants: 9, for: 3, against: 5, abstain: 0, notVoted: 1, adopted: false, rule: 'no-majority' }),
        writtenOpinions: [],
      },
    ],
    dissentingOpinions: [
      { id: 'd1', author: 'Смирнов Олег Викторович', itemId: 'i1', text: 'Не согласен с решением по вопросу 1.', submittedAt: '2026-03-11T08:00:00Z' },
    ],
    materials: [{ title: 'Проект плана мероприятий на 2026 год', note: '5 л.' }],
    opinionsDeadline: '2026-03-09T19:59:59Z',
    signatures: [
      { name: 'Петров Пётр Петрович', capacity: 'deputy', evidence: null },
      { name: 'Сидоров Сидор Сидорович', capacity: 'acting-secretary', evidence: null },
      ...participants.slice(2).map((p) => ({ name: p.name, capacity: 'member' as const, evidence: null })),
    ],
    distribution: {},
  };
}

/** 16 members, 7 take part: no quorum. */
export function noQuorumModel(): ProtocolModel {
  const m = fullModel();
  const absent = m.participants.slice(7);
  return {
    ...m,
    participants: m.participants.slice(0, 7),
    absentees: [...m.absentees, ...absent],
    agenda: m.agenda.map((item) => ({ ...item, tally: null })),
    signatures: m.signatures.slice(0, 7),
  };
}
