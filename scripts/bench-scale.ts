/**
 * The data-model figures of the benchmark (issue 9), on the local system through HTTP and e-mail:
 * - a 5-item ballot POST, p50 and p99, interleaved with a bare conditional PutItem on the same dynalite;
 * - DynamoDB requests and consumed units per ballot and per signature (one that is not the last) at several roster sizes;
 * - the wall time of a whole meeting (convene → distributed) at several roster sizes.
 * Figures only: nothing here asserts. Run through scripts/bench.ts.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Member } from '../functions/domain/types.ts';
import { startHarness, type Harness } from '../test/e2e/harness.ts';
import { CHAIR, SECRETARY, convene } from '../test/e2e/fixtures.ts';

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

/** Counts the DynamoDB requests a client sends and the capacity units they consume (dynalite reports them). */
class RequestMeter {
  requests = 0;
  ledgerRequests = 0;
  writeUnits = 0;
  readUnits = 0;
  private on = false;

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.on) return next(args);
        const input = args.input as Record<string, any>;
        input.ReturnConsumedCapacity ??= 'TOTAL';
        const key = input.Key?.pk?.S ?? input.Item?.pk?.S ?? '';
        if (String(key).startsWith('SEND#')) this.ledgerRequests++;
        else this.requests++;
        const result = await next(args);
        const consumed = (result.output as Record<string, any>).ConsumedCapacity;
        const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce((sum: number, c: any) => sum + (c.CapacityUnits ?? 0), 0);
        if (WRITES.has(context.commandName ?? '')) this.writeUnits += units;
        else this.readUnits += units;
        return result;
      },
      { step: 'initialize', name: 'benchRequestMeter' },
    );
  }

  async measure<T>(fn: () => Promise<T>): Promise<{ result: T; requests: number; ledger: number; writeUnits: number; readUnits: number }> {
    this.requests = this.ledgerRequests = this.writeUnits = this.readUnits = 0;
    this.on = true;
    try {
      const result = await fn();
      return { result, requests: this.requests, ledger: this.ledgerRequests, writeUnits: this.writeUnits, readUnits: this.readUnits };
    } finally {
      this.on = false;
    }
  }
}

export function bigRoster(size: number): Member[] {
  const members: Member[] = [
    { id: 'chair', name: 'Иванов Иван Иванович', email: 'chair@example.org', role: 'chair', lang: 'ru' },
    { id: 'deputy', name: 'Петрова Анна Сергеевна', email: 'deputy@example.org', role: 'deputy', lang: 'ru' },
    { id: 'secretary', name: 'Сидорова Мария Олеговна', email: 'secretary@example.org', role: 'secretary', lang: 'ru' },
  ];
  for (let i = 1; members.length < size; i++) members.push({ id: `m${i}`, name: `Участник Номер ${i}`, email: `m${i}@example.org`, role: 'member', lang: 'ru' });
  return members;
}

/**
 * The personal links of the latest e-mail whose subject matches, per recipient, from ONE read of the
 * mailbox (the emulator's parsed text; no MIME parsing per message, so thousands of e-mails stay cheap).
 */
export async function linksByRecipient(h: Harness, subject: RegExp): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const stored of await h.system.ses.fetchMessages()) {
    if (!subject.test(stored.subject)) continue;
    const link = /https?:\/\/[^\s"'<>)]+\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(stored.body.text ?? '')?.[0];
    const to = stored.destination.to[0]?.toLowerCase();
    if (link && to) links.set(to, link);
  }
  return links;
}

async function createBigGroup(h: Harness, members: Member[], settings: Record<string, unknown>): Promise<string> {
  const res = await h.admin('POST', '/admin/groups', { bodyName: 'Администрация муниципального образования', name: 'Рабочая группа (benchmark)', settings, members }, SECRETARY);
  if (res.status !== 201) throw new Error(`create group of ${members.length}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return (res.body.group?.id ?? res.body.id) as string;
}

const phaseOf = async (h: Harness, id: string): Promise<string> => (await h.admin('GET', `/admin/meetings/${id}`, undefined, SECRETARY)).body.meeting.phase;

/** Convenes a meeting of `size` members with `items` items and runs it until voting is open (everyone will attend). */
async function meetingInSession(h: Harness, size: number, items: number): Promise<{ id: string; members: Member[] }> {
  const members = bigRoster(size);
  // The local runtime honours the send rate; the benchmark measures the system, not the SES quota.
  const groupId = await createBigGroup(h, members, { sendRatePerSecond: 1000 });
  const day = new Date(h.clock.now().getTime() + 10 * 86_400_000).toISOString().slice(0, 10);
  const id = await convene(h, groupId, { title: 'Заседание', date: day, time: '10:00', agenda: Array.from({ length: items }, (_, i) => ({ title: `Вопрос ${i + 1}` })) }, CHAIR);
  for (let step = 0; step < 20; step++) {
    const phase = await phaseOf(h, id);
    if (phase === 'in-session') return { id, members };
    if (phase === 'agenda-approval') {
      const approve = (await linksByRecipient(h, /утвержден/i)).get('chair@example.org');
      if (approve) await h.post(approve, {});
    }
    await h.advanceToNext();
  }
  throw new Error(`meeting ${id} never reached in-session (phase ${await phaseOf(h, id)})`);
}

async function ballotForm(h: Harness, link: string, choice: string): Promise<Record<string, string>> {
  const page = await h.get(link);
  const fields = [...new Set([...page.text.matchAll(/name="(vote_[^"]+)"/g)].map((m) => m[1]!))];
  return Object.fromEntries(fields.map((f) => [f, choice]));
}

/** A form POST straight to the local HTTP API: no waiting for the workflows it may wake (h.post settles them). */
async function postForm(url: string, form: Record<string, string>): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(), redirect: 'manual' });
  await response.arrayBuffer();
  return response.status;
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** Ballot POST (5 items) against a bare conditional PutItem, interleaved in one run. */
export async function ballotLatency(rounds = 300): Promise<void> {
  const h = await startHarness('2026-03-02T06:00:00Z');
  try {
    const { members } = await meetingInSession(h, 15, 5);
    const links = await linksByRecipient(h, /голосован/i);
    const client = h.system.deps.store.table.client;
    const forms = new Map<string, Record<string, string>[]>();
    for (const m of members) {
      const link = links.get(m.email)!;
      forms.set(m.email, [await ballotForm(h, link, 'for'), await ballotForm(h, link, 'against')]);
    }
    const ballot: number[] = [];
    const put: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const m = members[i % members.length]!;
      // Alternate the choices so every POST changes the stored ballot (a real write, not a no-op).
      const form = forms.get(m.email)![Math.floor(i / members.length) % 2]!;
      let t = performance.now();
      const status = await postForm(links.get(m.email)!, form);
      ballot.push(performance.now() - t);
      if (status !== 200) throw new Error(`ballot POST ${status}`);
      t = performance.now();
      await client.send(new PutItemCommand({ TableName: 'kvorum', Item: { pk: { S: `BENCH#${i}` }, sk: { S: 'BENCH' } }, ConditionExpression: 'attribute_not_exists(pk)' }));
      put.push(performance.now() - t);
    }
    const row = (name: string, xs: number[]) => `${name.padEnd(34)} ${percentile(xs, 50).toFixed(2).padStart(8)} ${percentile(xs, 99).toFixed(2).padStart(8)}`;
    console.log(`\nballot POST vs bare conditional PutItem, ${rounds} interleaved rounds (ms)`);
    console.log(`${''.padEnd(34)} ${'p50'.padStart(8)} ${'p99'.padStart(8)}`);
    console.log(row('ballot POST, 5 items (HTTP)', ballot));
    console.log(row('bare conditional PutItem', put));
    console.log(`ratio p50 ${(percentile(ballot, 50) / percentile(put, 50)).toFixed(2)}×, p99 ${(percentile(ballot, 99) / percentile(put, 99)).toFixed(2)}× (target ≤ 1.5× at p50)`);
  } finally {
    await h.stop();
  }
}

/** DynamoDB requests and units of one ballot POST and one signature POST at each roster size. */
export async function requestsPerAction(sizes: number[], items = 5): Promise<void> {
  console.log(`\nDynamoDB per action (${items} items; mail-ledger requests counted apart)`);
  console.log(`${'members'.padStart(8)} ${'action'.padEnd(10)} ${'requests'.padStart(9)} ${'ledger'.padStart(7)} ${'write units'.padStart(12)} ${'read units'.padStart(11)}`);
  for (const size of sizes) {
    const h = await startHarness('2026-03-02T06:00:00Z');
    try {
      const meter = new RequestMeter(h.system.deps.store.table.client);
      const { id, members } = await meetingInSession(h, size, items);
      const ballots = await linksByRecipient(h, /голосован/i);
      // Everyone but the last voter votes first, so the measured ballot meets a full meeting.
      const last = members[members.length - 1]!;
      for (const m of members.slice(0, -1)) await h.post(ballots.get(m.email)!, await ballotForm(h, ballots.get(m.email)!, 'for'));
      const form = await ballotForm(h, ballots.get(last.email)!, 'for');
      const vote = await meter.measure(() => postForm(ballots.get(last.email)!, form));
      console.log(`${String(size).padStart(8)} ${'ballot'.padEnd(10)} ${String(vote.requests).padStart(9)} ${String(vote.ledger).padStart(7)} ${vote.writeUnits.toFixed(1).padStart(12)} ${vote.readUnits.toFixed(1).padStart(11)}`);
      for (let step = 0; step < 10 && (await phaseOf(h, id)) !== 'protocol-signing'; step++) await h.advanceToNext();
      const signing = await linksByRecipient(h, /подпис/i);
      const signers = members.filter((m) => signing.has(m.email));
      // All but two sign first; the measured one is not the last (the last also completes the phase).
      for (const m of signers.slice(0, -2)) await signOnce(h, signing.get(m.email)!);
      const measured = signers[signers.length - 2]!;
      const page = await h.get(signing.get(measured.email)!);
      const hash = /name="sha256" value="([0-9a-f]{64})"/.exec(page.text)?.[1] ?? '';
      const signature = await meter.measure(() => postForm(signing.get(measured.email)!, { sha256: hash }));
      console.log(`${String(size).padStart(8)} ${'signature'.padEnd(10)} ${String(signature.requests).padStart(9)} ${String(signature.ledger).padStart(7)} ${signature.writeUnits.toFixed(1).padStart(12)} ${signature.readUnits.toFixed(1).padStart(11)}`);
    } finally {
      await h.stop();
    }
  }
  console.log('target: ≤ 3 requests per ballot and per signature, units constant in the roster size');
}

async function signOnce(h: Harness, link: string): Promise<number> {
  const page = await h.get(link);
  const hash = /name="sha256" value="([0-9a-f]{64})"/.exec(page.text)?.[1];
  if (!hash) return page.status;
  return (await h.post(link, { sha256: hash })).status;
}

/** Wall time of whole meetings, convene → distributed, through HTTP and e-mail. */
export async function wholeMeeting(sizes: number[], items = 5): Promise<void> {
  console.log(`\nwhole meeting, ${items} items, convene → distributed (local system, clock jumping from deadline to deadline)`);
  for (const size of sizes) {
    const h = await startHarness('2026-03-02T06:00:00Z');
    try {
      const started = performance.now();
      // Where the time goes: seconds per stretch, in order (members' actions are stretches of their own).
      const stretches: string[] = [];
      let mark = started;
      const lap = (what: string) => {
        const now = performance.now();
        stretches.push(`${what} ${((now - mark) / 1000).toFixed(1)}`);
        mark = now;
      };
      const { id, members } = await meetingInSession(h, size, items);
      lap('convene→in-session');
      const ballots = await linksByRecipient(h, /голосован/i);
      for (const m of members) await h.post(ballots.get(m.email)!, await ballotForm(h, ballots.get(m.email)!, 'for'));
      lap('ballots (GET+POST each)');
      let phase = await phaseOf(h, id);
      for (let step = 0; step < 40 && phase !== 'distributed'; step++) {
        if (phase === 'protocol-signing') {
          const signing = await linksByRecipient(h, /подпис/i);
          for (const link of signing.values()) await signOnce(h, link);
          lap('signatures (GET+POST each)');
        } else {
          await h.advanceToNext();
          lap(`${phase}→`);
        }
        phase = await phaseOf(h, id);
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(`  ${size} members, seconds per stretch: ${stretches.join(', ')}`);
      // The emulator's mailbox answers one JSON of every e-mail; at 1,000 members it may be too big to read.
      const mails = await h.system.ses.fetchMessages().then((all) => String(all.length), (error: unknown) => `? (mailbox not readable: ${String(error)})`);
      const target = size <= 15 ? 5 : 60;
      console.log(`${String(size).padStart(6)} members: ${phase} in ${seconds.toFixed(1)} s wall time, ${mails} e-mails (target ≤ ${target} s)`);
    } finally {
      await h.stop();
    }
  }
}
