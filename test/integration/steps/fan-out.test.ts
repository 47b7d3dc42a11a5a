import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Deps } from '../../../functions/app/deps.ts';
import type { FanOutProgress, Invocation } from '../../../functions/app/fan-out.ts';
import { issueLinks } from '../../../functions/app/links.ts';
import { openProposals } from '../../../functions/app/steps/agenda.ts';
import { sendNotice } from '../../../functions/app/steps/notice.ts';
import { sendReminder } from '../../../functions/app/steps/reminders.ts';
import { russianCalendar } from '../../../functions/calendar/index.ts';
import type { Member } from '../../../functions/domain/types.ts';
import { VirtualPacer } from '../../../functions/lib/pacer.ts';
import { Mailer } from '../../../functions/mail/mailer.ts';
import { startDynalite, type RunningDynalite } from '../../support/dynalite.ts';
import { freshStore, group, newMeeting } from '../store/fixtures.ts';

/**
 * The per-recipient steps on dynalite with the real store, links and mailer's ledger; SES is a stub
 * that records every e-mail, and the pacing sleeps on virtual time. A Lambda invocation has 60 s.
 */
const LAMBDA = { remainingMs: () => 60_000 };

let db: RunningDynalite;
/** DynamoDB calls of the suite's client: which writes went to links, which conditions failed. */
const calls = { linkPuts: 0, conditionFailures: 0, linkConditionFailures: 0 };

beforeAll(async () => {
  db = await startDynalite();
  db.client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Item?: { pk?: { S?: string } } };
      const isLinkPut = context.commandName === 'PutItemCommand' && String(input.Item?.pk?.S).startsWith('LINK#');
      if (isLinkPut) calls.linkPuts++;
      try {
        return await next(args);
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') {
          calls.conditionFailures++;
          if (isLinkPut) calls.linkConditionFailures++;
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'countCalls' },
  );
});
afterAll(() => db?.stop());
beforeEach(() => Object.assign(calls, { linkPuts: 0, conditionFailures: 0, linkConditionFailures: 0 }));

function members(n: number): Member[] {
  const base = group().members.slice(0, 2); // the chair and the secretary
  return [...base, ...Array.from({ length: n - base.length }, (_, i) => ({ id: `p${i + 1}`, name: `Участник ${i + 1}`, email: `p${i + 1}@example.org`, role: 'member' as const, lang: 'ru' as const }))];
}

async function world(n: number) {
  const { store, clock } = await freshStore(db);
  await store.putGroup({ ...group(), members: members(n) });
  const meeting = await store.createMeeting(newMeeting('mt1'));
  const sent: { to: string; purpose: string; body: string }[] = [];
  const ses = {
    send: async (command: { input: { Destination: { ToAddresses: string[] }; EmailTags: { Name: string; Value: string }[]; Content: { Raw: { Data: Uint8Array } } } }) => {
      const { input } = command;
      sent.push({ to: input.Destination.ToAddresses[0]!, purpose: input.EmailTags.find((t) => t.Name === 'purpose')!.Value, body: Buffer.from(input.Content.Raw.Data).toString('utf8') });
      return { MessageId: `msg-${sent.length}` };
    },
  } as unknown as SESv2Client;
  const pacer = new VirtualPacer();
  const deps: Deps = {
    store,
    mailer: new Mailer({ ses, from: 'kvorum@kvorum.test', ledger: store.mail, clock }),
    clock,
    calendar: russianCalendar,
    linkSecret: async () => ({ current: 'test-link-secret-0123456789abcdef0123456789abcdef' }),
    publicBaseUrl: 'http://kvorum.test',
    stateMachineArn: '',
    senderAddress: 'kvorum@kvorum.test',
    pacer,
  };
  return { store, deps, meeting, sent, pacer };
}

/** Invokes a step as the state machine does: again, with its progress, until it reports done. */
async function untilDone<R extends { fanOut: FanOutProgress }>(step: (invocation: Invocation) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let fanOut: FanOutProgress | undefined = { step: '', done: true, cursor: '', sent: 0 };
  do {
    const result = await step({ budget: LAMBDA, fanOut });
    results.push(result);
    fanOut = result.fanOut;
  } while (!fanOut.done);
  return results;
}

const linkIn = async (raw: string): Promise<string> => /http:\/\/kvorum\.test\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec((await simpleParser(raw)).text ?? '')![0];

describe('per-recipient steps over 2,000 members', () => {
  it('need several invocations at 14 e-mails a second; every member gets exactly one e-mail, and no write is refused', async () => {
    const { deps, meeting, sent, pacer, store } = await world(2000);
    const ev = { meetingId: meeting.id, revision: meeting.revision };
    const invocations = await untilDone((invocation) => openProposals(deps, ev, invocation));
    // 50 s of each 60 s invocation at 14/s: 700 e-mails an invocation (701 when the last slot falls exactly on the 50th second).
    expect(invocations.map((r) => r.fanOut.done)).toEqual([false, false, true]);
    const perInvocation = invocations.map((r, i) => r.fanOut.sent - (invocations[i - 1]?.fanOut.sent ?? 0));
    for (const n of perInvocation.slice(0, 2)) expect([700, 701]).toContain(n);
    expect(invocations.at(-1)!.fanOut.sent).toBe(2000);
    expect(sent).toHaveLength(2000);
    expect(new Set(sent.map((s) => s.to)).size).toBe(2000);
    expect(sent.every((s) => s.purpose === 'proposals-call')).toBe(true);
    // Paced: 2,000 e-mails take (2,000 − 3 invocation starts) / 14 s of sleeping.
    expect(pacer.now()).toBeCloseTo(((2000 - 3) * 1000) / 14, 3);
    expect(calls.conditionFailures).toBe(0);
    expect(calls.linkPuts).toBe(2000);
    const audit = (await store.listAudit(meeting.id)).filter((a) => a.action === 'proposals-opened');
    expect(audit.map((a) => a.detail)).toEqual([{ sent: 2000 }]);
  }, 240_000);
});

describe('links that exist already', () => {
  it('are reused by a later step without a single failed conditional write', async () => {
    const { deps, meeting, sent, store } = await world(250);
    const ev = { meetingId: meeting.id, revision: meeting.revision };
    await untilDone((invocation) => sendNotice(deps, ev, invocation));
    expect(calls.linkPuts).toBe(250);
    const noticeLinks = new Map(await Promise.all(sent.map(async (s) => [s.to, await linkIn(s.body)] as const)));
    Object.assign(calls, { linkPuts: 0, conditionFailures: 0, linkConditionFailures: 0 });

    // Nobody answered: the opinions reminder goes to all 250, with the notice's own attendance links.
    await untilDone((invocation) => sendReminder(deps, { ...ev, kind: 'opinions' }, invocation));
    const reminders = sent.filter((s) => s.purpose === 'reminder_opinions');
    expect(reminders).toHaveLength(250);
    for (const r of reminders) expect(await linkIn(r.body)).toBe(noticeLinks.get(r.to));
    expect(calls.linkPuts).toBe(0);
    expect(calls.conditionFailures).toBe(0);

    // A revoked link gets its next generation, still with no refused write; the others stand.
    const [first] = await store.links.listForMeeting(meeting.id, 'chair');
    await store.links.revoke(first!.id);
    const request = (memberId: string) => ({ meetingId: meeting.id, groupId: meeting.groupId, memberId, purpose: 'attendance' as const, expiresAt: meeting.deadlines.voteOpens, revision: meeting.revision });
    const [chair, secretary] = await issueLinks(deps, [request('chair'), request('sec')]);
    expect(chair).not.toBe(noticeLinks.get('chair@example.org'));
    expect(secretary).toBe(noticeLinks.get('sec@example.org'));
    expect(calls.linkPuts).toBe(1);
    expect(calls.linkConditionFailures).toBe(0);
  }, 120_000);

  it('one link asked for twice in one batch is read once and written once', async () => {
    const { deps, meeting } = await world(3);
    const request = { meetingId: meeting.id, memberId: 'chair', purpose: 'ballot' as const, expiresAt: meeting.deadlines.voteCloses, revision: meeting.revision };
    const [a, b] = await issueLinks(deps, [request, request]);
    expect(a).toBe(b);
    expect(calls.linkPuts).toBe(1);
    expect(calls.conditionFailures).toBe(0);
  });
});
