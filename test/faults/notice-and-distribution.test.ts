/**
 * Issue 10, «Done when»: faults in the notice and in the distribution of the signed protocol — a kill
 * before, during and after a send; SES answering 503 before and after accepting, hanging, resetting the
 * connection; DynamoDB refusing writes for 90 s. Per recipient: delivered at least once, at most twice
 * in the ambiguous cases (SES may have accepted), otherwise exactly once; and the meeting completes.
 * A second copy must be explained by the send ledger: an attempt whose outcome the system never learned.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '../../functions/store/attributes.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendRecord } from '../../functions/store/records.ts';
import type { SesFault } from '../../local/emulators/ses.ts';
import { approveByLink, convene, createGroup, meeting, sign, team, voteAll, type Team } from '../e2e/fixtures.ts';
import { LEASE_MS, startRig, type Rig, type Write } from './rig.ts';

const NOTICE = /^Заседание \d/;
const PROTOCOL = /^Протокол №/;

type Expect = 'exactly-once' | 'at-most-twice';

interface Case {
  name: string;
  expect: Expect;
  /** Arms the fault just before the step sends; returns what ends it (if it must be ended). */
  arm(rig: Rig): { end?: () => void };
}

const sesFault = (mode: SesFault, expect: Expect): Case => ({
  name: `SES ${mode}`,
  expect,
  arm: (rig) => {
    const outage = rig.ses.outage({ mode, times: 2 });
    return { end: () => outage.restore() };
  },
});

/** The ledger record of an e-mail (SEND#…) is the line a kill is placed around. */
const isLedger = (w: Write) => w.command === 'UpdateItemCommand' && w.pk.startsWith('SEND#');
/** The lease is taken conditionally; the `sent` mark is the one unconditional write of a ledger record. */
const isSentMark = (w: Write) => isLedger(w) && !w.conditional;

/** Kills the system (and restarts it) right after the first table write that `at` picks. */
const killAfterWrite = (at: (w: Write) => boolean) => (rig: Rig) => {
  let done = false;
  rig.faults.afterWrite = (w) => {
    if (done || !at(w)) return;
    done = true;
    void rig.killAndRestart();
  };
  return { end: () => delete rig.faults.afterWrite };
};

const CASES: Case[] = [
  sesFault('refuse', 'exactly-once'),
  sesFault('accept-then-503', 'at-most-twice'),
  sesFault('hang', 'exactly-once'),
  sesFault('reset', 'exactly-once'),
  sesFault('accept-then-reset', 'at-most-twice'),
  {
    // The lease is taken, the process dies before SES is called.
    name: 'kill before a send',
    expect: 'exactly-once',
    arm: killAfterWrite((w) => isLedger(w) && !isSentMark(w)),
  },
  {
    // SES has accepted the e-mail; the process dies before its answer arrives.
    name: 'kill during a send',
    expect: 'at-most-twice',
    arm: (rig) => {
      const outage = rig.ses.outage({ mode: 'accept-then-hang', times: 1, onFault: () => setTimeout(() => void rig.killAndRestart(), 100) });
      return { end: () => outage.restore() };
    },
  },
  {
    // The e-mail is sent and recorded; the process dies right after. The step sends to several members at
    // once, so others may be in flight at that moment: their outcome is unknown to the ledger (an attempt
    // that was never recorded), which is what lets one of them get a second copy; the rest get exactly one.
    name: 'kill after a send',
    expect: 'exactly-once',
    arm: killAfterWrite((w) => isSentMark(w) && /#(notice|signed-protocol)#/.test(w.pk)),
  },
  {
    name: 'DynamoDB refusing writes for 90 s',
    expect: 'exactly-once',
    arm: (rig) => {
      // The outage starts at the step's first ledger write and lasts 90 s of the system's clock, which
      // jumps them after a second of real retries.
      rig.faults.beforeWrite = (w) => {
        if (rig.faults.writesRefusedUntil !== undefined || !isLedger(w)) return false;
        rig.faults.writesRefusedUntil = rig.clock.now().getTime() + 90_000;
        setTimeout(() => rig.clock.advanceBy(90_000), 1_000);
        return true;
      };
      return {
        end: () => {
          delete rig.faults.beforeWrite;
          delete rig.faults.writesRefusedUntil;
        },
      };
    },
  },
];

let rig: Rig;
beforeAll(async () => {
  rig = await startRig('2026-03-02T06:00:00Z');
}, 60_000);
afterAll(() => rig?.stop());

/** Lets the fault play out: leases expire, retries run, a killed system comes back; then it ends. */
async function ride(fault: { end?: () => void }, maxWaitMs = 6_000): Promise<void> {
  await rig.restarted();
  // Past every lease and request timeout.
  rig.clock.advanceBy(LEASE_MS * 2);
  await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 500));
  await rig.restarted();
  fault.end?.();
  await rig.h.settle();
  const until = Date.now() + maxWaitMs;
  while (Date.now() < until && rig.h.system.runtime.nextWakeUp() === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Per member: the copies in the mailbox, and what the send ledger knows of the attempts behind them. */
interface Delivery {
  copies: number;
  /** E-mails the ledger holds for the member (one per revision sent). */
  emails: number;
  /** Attempts whose outcome the system never learned (timeout, 5xx, reset, a kill): each may add one copy. */
  unknown: number;
}

async function deliveries(g: Team, meetingId: string, subject: RegExp, purpose: string): Promise<Map<string, Delivery>> {
  const mails = (await rig.h.mails()).filter((m) => subject.test(m.subject));
  const prefix = `SEND#mail#${encodeURIComponent(meetingId)}#${purpose}#`;
  const { Items = [] } = await rig.h.system.deps.store.table.client.send(
    new ScanCommand({ TableName: rig.h.system.deps.store.table.tableName, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: prefix } } }),
  );
  const records = Items.map((item) => unmarshall(item) as unknown as SendRecord);
  return new Map(
    g.members.map((m) => {
      const own = records.filter((r) => r.meta.recipient === m.id);
      return [
        m.id,
        {
          copies: mails.filter((x) => x.to.some((t) => t.toLowerCase() === g.email(m.id))).length,
          emails: own.length,
          unknown: own.reduce((sum, r) => sum + (r.attempts ?? 1) - (r.refusals ?? 0) - 1, 0),
        },
      ];
    }),
  );
}

/**
 * Delivered at least once; one extra copy at most per attempt whose outcome was unknown (the mailer's
 * guarantee), and never more than twice. In the exactly-once cases the fault itself leaves no outcome
 * unknown, but a loaded machine can (an SES answer that comes after the client's request timeout): the
 * ledger's count of such attempts is what allows a second copy, so a copy no attempt explains fails.
 */
function expectDelivered(deliveries: Map<string, Delivery>, expected: Expect): void {
  for (const [member, d] of deliveries) {
    const what = `${member}: ${d.copies} copies of ${d.emails} e-mail(s), ${d.unknown} attempt(s) of unknown outcome`;
    expect(d.emails, what).toBe(1);
    expect(d.copies, `${what}: delivered at least once`).toBeGreaterThanOrEqual(1);
    expect(d.copies, `${what}: at most one extra copy per unknown outcome`).toBeLessThanOrEqual(1 + d.unknown);
    expect(d.copies, `${what}: ${expected}`).toBeLessThanOrEqual(expected === 'exactly-once' && d.unknown === 0 ? 1 : 2);
  }
}

/**
 * If the fault left the meeting failed, or its execution stopped, it is resumed through the API (a
 * running execution answers 409: nothing to resume, it goes on by itself).
 */
async function completeOrResume(g: Team, id: string, phase: string): Promise<void> {
  if ((await meeting(rig.h, id, g.secretary)).meeting.phase === phase) return;
  const resumed = await rig.h.admin('POST', `/admin/meetings/${id}/resume`, {}, g.secretary);
  expect([200, 409], JSON.stringify(resumed.body)).toContain(resumed.status);
  await rig.h.settle();
}

let day = 9;
/** A fresh group and meeting on its own day, up to the chair's approval. */
async function meetingAwaitingApproval(label: string): Promise<{ g: Team; id: string; date: string }> {
  const g = team(`${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.faults`, 1);
  day += 7;
  const date = new Date(Date.UTC(2026, 2, day));
  // A working day: Monday to Friday.
  while ([0, 6].includes(date.getUTCDay())) date.setUTCDate(date.getUTCDate() + 1);
  const iso = date.toISOString().slice(0, 10);
  const groupId = await createGroup(rig.h, g.members, g.secretary);
  const id = await convene(rig.h, groupId, { title: `Заседание ${label}`, date: iso, time: '10:00', agenda: [{ title: 'О плане' }] }, g.chair);
  const { meeting: m } = await meeting(rig.h, id, g.secretary);
  await rig.h.advanceTo(m.deadlines.proposalsClose);
  return { g, id, date: iso };
}

describe('faults while the notice is sent', () => {
  for (const c of CASES) {
    it(`${c.name}: every member gets the notice (${c.expect}); the meeting goes on`, async () => {
      const { g, id } = await meetingAwaitingApproval(`notice ${c.name}`);
      const fault = c.arm(rig);
      const approved = await approveByLink(rig.h, g.email('chair')).catch(() => 0);
      expect([200, 0, 500]).toContain(approved);
      await ride(fault);
      await completeOrResume(g, id, 'notified');
      expectDelivered(await deliveries(g, id, NOTICE, 'notice'), c.expect);
      expect((await meeting(rig.h, id, g.secretary)).meeting.phase).toBe('notified');
    }, 60_000);
  }
});

describe('faults while the signed protocol is distributed', () => {
  for (const c of CASES) {
    it(`${c.name}: every member gets the protocol (${c.expect}); the meeting ends distributed`, async () => {
      const { g, id, date } = await meetingAwaitingApproval(`distribution ${c.name}`);
      expect(await approveByLink(rig.h, g.email('chair'))).toBe(200);
      await rig.h.advanceTo(`${date}T06:00:00Z`);
      for (const m of g.members) expect(await voteAll(rig.h, g.email(m.id), { 0: 'for' })).toBe(200);
      const { meeting: m } = await meeting(rig.h, id, g.secretary);
      await rig.h.advanceTo(m.deadlines.voteCloses);
      const signers = g.members.filter((x) => x.id !== 'chair');
      for (const s of signers) expect(await sign(rig.h, g.email(s.id))).toBe(200);
      const fault = c.arm(rig);
      // The last signature finalises the protocol; distribution starts with the fault in place.
      await sign(rig.h, g.email('chair')).catch(() => 0);
      await ride(fault);
      // The distribution's own retry (a timed state) runs once the fault is over.
      for (let i = 0; i < 5 && (await meeting(rig.h, id, g.secretary)).meeting.phase === 'finalised'; i++) await rig.h.advanceToNext();
      await completeOrResume(g, id, 'distributed');
      for (let i = 0; i < 5 && (await meeting(rig.h, id, g.secretary)).meeting.phase === 'finalised'; i++) await rig.h.advanceToNext();
      expectDelivered(await deliveries(g, id, PROTOCOL, 'signed-protocol'), c.expect);
      expect((await meeting(rig.h, id, g.secretary)).meeting.phase).toBe('distributed');
    }, 90_000);
  }
});
