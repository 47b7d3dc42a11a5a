import { BatchWriteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, TaskTimedOut, type SFNClient } from '@aws-sdk/client-sfn';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../../functions/app/deps.ts';
import type { Invocation } from '../../../functions/app/fan-out.ts';
import { openProposals, requestApproval } from '../../../functions/app/steps/agenda.ts';
import { cancelMeeting } from '../../../functions/app/steps/cancel.ts';
import type { TaskEvent } from '../../../functions/app/steps/context.ts';
import { distribute } from '../../../functions/app/steps/distribute.ts';
import { awaitCallback } from '../../../functions/app/steps/execution.ts';
import { sendNotice } from '../../../functions/app/steps/notice.ts';
import { sendReminder } from '../../../functions/app/steps/reminders.ts';
import { finaliseProtocol, requestSignatures } from '../../../functions/app/steps/signatures.ts';
import { closeVoting, openVoting, tally } from '../../../functions/app/steps/voting.ts';
import { russianCalendar } from '../../../functions/calendar/index.ts';
import { ManualClock } from '../../../functions/lib/clock.ts';
import { VirtualPacer } from '../../../functions/lib/pacer.ts';
import { Mailer } from '../../../functions/mail/mailer.ts';
import { unmarshall } from '../../../functions/store/attributes.ts';
import { KvorumStore } from '../../../functions/store/store.ts';
import { ensureTable } from '../../../functions/store/table.ts';
import { DYNALITE_REGION, startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { startS3, type RunningS3 } from '../../support/s3.ts';
import { group, newMeeting } from '../store/fixtures.ts';

/**
 * Issue 10 §3: every multi-write step is idempotent when re-run after a crash between its writes.
 * Each step starts from a stored state of a meeting (reached by running the steps before it), once
 * uninterrupted, and then once per write it makes: the process dies right after that write (nothing
 * more reaches DynamoDB or SES), and the step is run again, as the state machine's retry does (after
 * the e-mail lease when an e-mail's fate is unknown). The table must end as after the uninterrupted
 * run — timestamps of the run aside — and every e-mail reaches its recipient: once, or twice only
 * when it was in flight at the crash.
 */
const MEETING = 'mt';
const EVENT: TaskEvent = { meetingId: MEETING, revision: 1 };
const CRASH = 'simulated crash';
const WRITES = /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem)Command$/;
/** An e-mail whose outcome is unknown is tried again once its lease (60 s) is over. */
const AFTER_LEASE_MS = 61_000;

type Step = (deps: Deps, ev: TaskEvent, invocation?: Invocation) => Promise<unknown>;
type Items = Record<string, AttributeValue>[];

let db: RunningDynalite;
let s3: RunningS3;
let tableCount = 0;

beforeAll(async () => {
  [db, s3] = await Promise.all([startDynalite(), startS3()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([db?.stop(), s3?.stop()]);
});

/** A table, a store and deps whose DynamoDB client dies right after its n-th write, and SES with it. */
async function world(items: Items, at: string) {
  const tableName = `crash-${++tableCount}`;
  await ensureTable(db.client, tableName);
  await restore(tableName, items);
  const client = new DynamoDBClient({ endpoint: db.endpoint, region: DYNALITE_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  const crash = { limit: Number.POSITIVE_INFINITY, writes: 0, dead: false };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (crash.dead) throw new Error(CRASH);
      const result = await next(args);
      if (WRITES.test(context.commandName ?? '') && ++crash.writes === crash.limit) {
        crash.dead = true;
        throw new Error(CRASH);
      }
      return result;
    },
    { step: 'initialize', name: 'crashAfterWrites' },
  );
  const clock = new ManualClock(at);
  const store = new KvorumStore({ client, tableName, clock });
  const sent: string[] = [];
  const ses = {
    send: async (command: { input: { Destination: { ToAddresses: string[] }; EmailTags: { Name: string; Value: string }[] } }) => {
      if (crash.dead) throw new Error(CRASH);
      sent.push(`${command.input.Destination.ToAddresses[0]}|${command.input.EmailTags.find((t) => t.Name === 'purpose')?.Value}`);
      return { MessageId: `msg-${sent.length}` };
    },
  } as unknown as SESv2Client;
  const completedTokens = new Set<string>();
  const sfn = {
    send: async (command: unknown) => {
      if (!(command instanceof SendTaskSuccessCommand)) throw new Error('unexpected Step Functions call');
      const token = command.input.taskToken ?? '';
      if (completedTokens.has(token)) throw new TaskTimedOut({ message: 'Task already completed', $metadata: {} });
      completedTokens.add(token);
      return {};
    },
  } as unknown as SFNClient;
  const deps: Deps = {
    store,
    documents: s3.documents,
    mailer: new Mailer({ ses, from: 'kvorum@kvorum.test', ledger: store.mail, clock, recordRetryDelaysMs: [] }),
    sfn,
    clock,
    calendar: russianCalendar,
    linkSecret: async () => ({ current: 'test-link-secret-0123456789abcdef0123456789abcdef' }),
    publicBaseUrl: 'http://kvorum.test',
    stateMachineArn: 'arn:aws:states:local:000000000000:stateMachine:kvorum',
    senderAddress: 'kvorum@kvorum.test',
    pacer: new VirtualPacer(),
  };
  return {
    deps,
    clock,
    sent,
    tableName,
    crashAfter(n: number) {
      crash.limit = crash.writes + n;
    },
    heal() {
      crash.dead = false;
      crash.limit = Number.POSITIVE_INFINITY;
    },
    writes: () => crash.writes,
    close: () => client.destroy(),
  };
}

async function dump(tableName: string): Promise<Items> {
  const items: Items = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await db.client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function restore(tableName: string, items: Items): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await db.client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = (out.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  }
}

/**
 * The table as a comparable list: instants the run wrote (from its start on) and audit ids read as
 * placeholders; the ledger's bookkeeping of attempts is left out (an e-mail is `sent` or not); and
 * an audit entry's `sent` count is the e-mails of that run alone (a re-run counts only those the
 * crashed run had not sent: the mailbox is checked on its own).
 */
function comparable(items: Items, runStart: string): string[] {
  const from = Date.parse(runStart);
  const instant = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;
  const normal = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (/^\d{4}-\d\d-\d\dT[\d:.]+Z#\w+$/.test(value)) return '<audit-id>';
      if (instant.test(value) && Date.parse(value) >= from && Date.parse(value) < from + 3_600_000) return '<now>';
      return value;
    }
    if (Array.isArray(value)) return value.map(normal);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normal(v)]));
    return value;
  };
  return items
    .map((item) => {
      const record = unmarshall(item);
      if (String(record.pk).startsWith('SEND#')) return { pk: record.pk, state: record.state, meta: record.meta };
      if (String(record.pk).endsWith('#AUDIT')) return normal(withoutSentCount(record));
      // The marker of a step's audit entry (store.appendAuditOnce) holds the entry.
      if (String(record.pk).startsWith('ONCE#audit:')) return normal({ ...record, entry: withoutSentCount(record.entry as Record<string, unknown>) });
      return normal(record);
    })
    .map(stable)
    .sort();
}

function withoutSentCount(entry: Record<string, unknown>): Record<string, unknown> {
  const { sent: _sent, ...detail } = (entry.detail ?? {}) as Record<string, unknown>;
  return { ...entry, detail };
}

/** JSON with the keys of every object in order. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** The e-mails of a run: how many times each recipient got each purpose. */
function mailCounts(sent: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of sent) counts.set(mail, (counts.get(mail) ?? 0) + 1);
  return counts;
}

/** Runs a step again after a crash, as the state machine's retry does (after the lease when an e-mail is pending). */
async function rerun(w: Awaited<ReturnType<typeof world>>, step: Step, ev: TaskEvent): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await step(w.deps, ev, {});
      return;
    } catch (error) {
      if ((error as Error).name !== 'TransientError' || attempt >= 4) throw error;
      w.clock.advance(AFTER_LEASE_MS);
    }
  }
}

/** Stored states of one meeting, each right before a step runs (and the clock then). */
const stages = new Map<string, { items: Items; at: string }>();

beforeAll(async () => {
  const w = await world([], '2026-03-01T08:00:00Z');
  const { deps, clock } = w;
  const store = deps.store;
  const mark = async (name: string) => stages.set(name, { items: await dump(w.tableName), at: clock.now().toISOString() });
  const run = (step: Step, ev: Partial<TaskEvent> = {}) => step(deps, { ...EVENT, ...ev }, {});

  await store.putGroup(group());
  await store.createMeeting(newMeeting(MEETING));
  await store.putAgendaItem(MEETING, { id: 'i1', order: 1, title: 'О набережной', speakers: ['m1'], approved: false, decision: 'Одобрить' });
  await store.putAgendaItem(MEETING, { id: 'i2', order: 2, title: 'О парках', speakers: [], approved: false });
  await store.putInvitee(MEETING, { id: 'inv1', name: 'Гостев Г. Г.', email: 'guest@example.org', position: 'начальник отдела', lang: 'ru' });
  await mark('open-proposals');
  await run(openProposals);

  clock.set('2026-03-05T20:00:00Z');
  await mark('request-approval');
  await run(requestApproval);
  clock.set('2026-03-06T08:00:00Z');
  await mark('approval-reminder');
  await run(sendReminder, { kind: 'approval' });
  await mark('cancel');

  await store.approveAgenda(MEETING, 1, { itemIds: ['i1', 'i2'], approvedBy: 'chair' });
  await mark('await-approval');
  clock.set('2026-03-06T12:00:00Z');
  await mark('notice');
  await run(sendNotice);

  await store.ballots.setAttendance(MEETING, 'm2', { status: 'absent', by: 'm2', opinions: { i1: 'Против' } }, { revision: 1, closesAt: '2026-03-10T08:00:00Z', opinionsDeadline: '2026-03-09T19:59:59Z' });
  clock.set('2026-03-09T10:00:00Z');
  await mark('opinions-reminder');
  await run(sendReminder, { kind: 'opinions' });

  clock.set('2026-03-10T06:00:00Z');
  await mark('open-voting');
  await run(openVoting);
  for (const voter of ['chair', 'sec', 'm1']) await store.ballots.castBallot(MEETING, voter, { i1: 'for', i2: voter === 'm1' ? 'against' : 'for' }, { revision: 1 });
  clock.set('2026-03-10T08:00:00Z');
  await mark('close-voting');
  await run(closeVoting);
  await mark('tally');
  await run(tally);

  clock.set('2026-03-10T08:05:00Z');
  await mark('request-signatures');
  await run(requestSignatures);
  const { hash } = (await store.protocols.getHeader(MEETING))!;
  for (const signer of ['chair', 'sec']) await store.protocols.sign(MEETING, signer, hash, `link-${signer}`);
  clock.set('2026-03-12T20:00:00Z');
  await mark('signatures-reminder');
  await run(sendReminder, { kind: 'signatures' });
  // The same state at the deadline: finalised with m1's signature missing.
  clock.set('2026-03-13T19:59:59Z');
  await mark('finalise-at-deadline');
  clock.set('2026-03-13T10:00:00Z');
  await store.protocols.sign(MEETING, 'm1', hash, 'link-m1');
  await mark('finalise-signed');
  await run(finaliseProtocol);
  clock.set('2026-03-13T10:05:00Z');
  await mark('distribute');
  await run(distribute);
  w.close();
}, 120_000);

const SCENARIOS: { name: string; stage: string; step: Step; ev?: Partial<TaskEvent> }[] = [
  { name: 'OpenProposals', stage: 'open-proposals', step: openProposals },
  { name: 'RequestApproval', stage: 'request-approval', step: requestApproval },
  { name: 'ApprovalReminder', stage: 'approval-reminder', step: sendReminder, ev: { kind: 'approval' } },
  { name: 'CancelNotApproved', stage: 'cancel', step: cancelMeeting, ev: { reason: 'agenda-not-approved' } },
  { name: 'AwaitApproval (approved already)', stage: 'await-approval', step: awaitCallback, ev: { phase: 'approval', taskToken: 'token-approval' } },
  { name: 'SendNotice', stage: 'notice', step: sendNotice },
  { name: 'OpinionsReminder', stage: 'opinions-reminder', step: sendReminder, ev: { kind: 'opinions' } },
  { name: 'OpenVoting', stage: 'open-voting', step: openVoting },
  { name: 'CloseVoting', stage: 'close-voting', step: closeVoting },
  { name: 'Tally', stage: 'tally', step: tally },
  { name: 'NoQuorum', stage: 'tally', step: tally, ev: { action: 'no-quorum' } },
  { name: 'RequestSignatures', stage: 'request-signatures', step: requestSignatures },
  { name: 'SignaturesReminder', stage: 'signatures-reminder', step: sendReminder, ev: { kind: 'signatures' } },
  { name: 'FinaliseProtocol (all signed)', stage: 'finalise-signed', step: finaliseProtocol },
  { name: 'FinaliseProtocol (at the deadline)', stage: 'finalise-at-deadline', step: finaliseProtocol },
  { name: 'Distribute', stage: 'distribute', step: distribute },
];

describe('every multi-write step, re-run after a crash after each of its writes, ends as an uninterrupted run (dynalite)', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const stage = stages.get(scenario.stage)!;
      const ev = { ...EVENT, ...scenario.ev };
      const baseline = await world(stage.items, stage.at);
      await scenario.step(baseline.deps, ev, {});
      const writes = baseline.writes();
      const expected = comparable(await dump(baseline.tableName), stage.at);
      const expectedMail = mailCounts(baseline.sent);
      baseline.close();
      expect(writes, 'a multi-write step').toBeGreaterThan(1);

      for (let n = 1; n <= writes; n++) {
        const w = await world(stage.items, stage.at);
        w.crashAfter(n);
        await expect(scenario.step(w.deps, ev, {}), `crash after write ${n}`).rejects.toThrow();
        // Whatever was still in flight dies with the process.
        await new Promise((resolve) => setTimeout(resolve, 5));
        w.heal();
        await rerun(w, scenario.step, ev);
        expect(comparable(await dump(w.tableName), stage.at), `${scenario.name}: crash after write ${n} of ${writes}`).toEqual(expected);
        const mail = mailCounts(w.sent);
        expect([...mail.keys()].sort(), `${scenario.name}: e-mails after a crash after write ${n}`).toEqual([...expectedMail.keys()].sort());
        for (const [key, count] of mail) expect(count, `${key} after a crash after write ${n}`).toBeLessThanOrEqual((expectedMail.get(key) ?? 0) + 1);
        w.close();
      }
    }, 120_000);
  }

  it('a crash between CloseVoting’s writes: a resume through OpenVoting is a no-op success and CloseVoting completes', async () => {
    const stage = stages.get('close-voting')!;
    const baseline = await world(stage.items, stage.at);
    await closeVoting(baseline.deps, EVENT);
    const expected = comparable(await dump(baseline.tableName), stage.at);
    baseline.close();

    const w = await world(stage.items, stage.at);
    w.crashAfter(1); // the ballot header is closed, the phase still says in-session
    await expect(closeVoting(w.deps, EVENT)).rejects.toThrow(CRASH);
    w.heal();
    expect((await w.deps.store.getMeeting(MEETING))?.phase).toBe('in-session');
    // The resume of an in-session meeting starts at the meeting start: OpenVoting, then CloseVoting.
    expect(await openVoting(w.deps, EVENT, {})).toMatchObject({ voters: 3, fanOut: { done: true } });
    expect(w.sent).toEqual([]);
    await closeVoting(w.deps, EVENT);
    expect(comparable(await dump(w.tableName), stage.at)).toEqual(expected);
    w.close();
  });
});
