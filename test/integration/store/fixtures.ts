/** Shared fixtures of the store suites: one dynalite per suite, one fresh table per test. */
import { randomUUID } from 'node:crypto';
import type { Group, MeetingDeadlines } from '../../../functions/domain/types.ts';
import { ManualClock } from '../../../functions/lib/clock.ts';
import type { NewMeeting } from '../../../functions/store/records.ts';
import { KvorumStore, type KvorumStoreOptions } from '../../../functions/store/store.ts';
import { ensureTable } from '../../../functions/store/table.ts';
import type { RunningDynalite } from '../../support/dynalite.ts';

export async function freshStore(
  db: RunningDynalite,
  start = '2026-03-01T08:00:00Z',
  extra: Partial<KvorumStoreOptions> = {},
): Promise<{ store: KvorumStore; clock: ManualClock; tableName: string }> {
  const tableName = `kvorum-${randomUUID()}`;
  await ensureTable(db.client, tableName);
  const clock = new ManualClock(start);
  return { store: new KvorumStore({ client: db.client, tableName, clock, ...extra }), clock, tableName };
}

export function group(id = 'g1'): Group {
  return {
    id,
    bodyName: 'Администрация муниципального образования «Городской округ город Астрахань»',
    name: 'Рабочая группа по благоустройству',
    settings: {
      timeZone: 'Europe/Astrakhan',
      proposalsCloseDaysBefore: 5,
      approvalDaysBefore: 4,
      noticeDaysBefore: 3,
      voteDurationMinutes: 120,
      signatureWorkingDays: 3,
      reminderHoursBefore: 24,
      sendRatePerSecond: 14,
      attachPdfMaxBytes: 2 * 1024 * 1024,
      voteReceipts: false,
    },
    members: [
      { id: 'chair', name: 'Иванов И. И.', email: 'chair@example.org', role: 'chair', lang: 'ru' },
      { id: 'sec', name: 'Петрова П. П.', email: 'sec@example.org', role: 'secretary', lang: 'ru' },
      { id: 'm1', name: 'Сидоров С. С.', email: 'M1@Example.org', role: 'member', lang: 'ru' },
      { id: 'm2', name: 'Smith J.', email: 'm2@example.org', role: 'member', lang: 'en' },
    ],
  };
}

/** Deadlines of a meeting on 2026-03-10 10:00 Europe/Astrakhan (UTC+4). */
export const deadlines: MeetingDeadlines = {
  proposalsClose: '2026-03-05T19:59:59Z',
  agendaApproval: '2026-03-06T19:59:59Z',
  notice: '2026-03-07T19:59:59Z',
  opinions: '2026-03-09T19:59:59Z',
  voteOpens: '2026-03-10T06:00:00Z',
  voteCloses: '2026-03-10T08:00:00Z',
  signatures: '2026-03-13T19:59:59Z',
  distribution: '2026-03-20T19:59:59Z',
};

export function newMeeting(id: string, groupId = 'g1', overrides: Partial<NewMeeting> = {}): NewMeeting {
  return {
    id,
    groupId,
    title: 'О благоустройстве набережной',
    date: '2026-03-10',
    time: '10:00',
    timeZone: 'Europe/Astrakhan',
    place: 'каб. 101',
    startsAt: '2026-03-10T06:00:00Z',
    deadlines,
    presidingId: 'chair',
    secretaryId: 'sec',
    ...overrides,
  };
}

/** Awaits a promise expected to fail with ConditionFailedError and returns its reason. */
export async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionFailedError') return (error as { reason: string } & Error).reason;
    throw error;
  }
  throw new Error('expected a ConditionFailedError, but the write succeeded');
}
