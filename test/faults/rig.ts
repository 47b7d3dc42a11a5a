/**
 * The fault-injection rig (issue 10): the whole local system on a clock that flows (OffsetClock, as in
 * `npm start`), its data on disk so it can be killed and started again, sending through a fault proxy in
 * front of the SES emulator that the test owns (so the mailbox outlives a kill), and a failing wrapper
 * on its DynamoDB client. Leases, request timeouts and retry pauses are short, so a case takes seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OffsetClock } from '../../functions/lib/clock.ts';
import { startLocalSystem, type LocalSystem } from '../../local/system.ts';
import { startSesLocal, type SesLocal } from '../support/ses.ts';
import { harnessOver, type Harness } from '../e2e/harness.ts';

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

export const LEASE_MS = 1_500;
const SES_TIMEOUT_MS = 1_000;

/** What the DynamoDB wrapper does to a request: pass it, or refuse it (an outage, or a dead process). */
export interface TableFaults {
  /** Writes refused until the clock reaches this instant (epoch ms). */
  writesRefusedUntil?: number;
  /**
   * Called after each write succeeded, with the item key's pk; may kill the system (the write stays
   * done, the process dies after it: what a SIGKILL after that line leaves).
   */
  afterWrite?: (write: Write) => void;
  /** Called before each write; true refuses it (e.g. to start an outage at a chosen write). */
  beforeWrite?: (write: Write) => boolean;
}

export interface Rig {
  ses: SesLocal;
  clock: OffsetClock;
  h: Harness<OffsetClock>;
  faults: TableFaults;
  /**
   * Kills the running system: from this instant its table client refuses everything (no line after the
   * kill reaches the table), its emulators close; then the system starts again on the same data and
   * resumes the meetings in progress, as `npm start` does.
   */
  killAndRestart(): Promise<void>;
  /** Resolves once the system was killed by a fault hook and started again. */
  restarted(): Promise<void>;
  stop(): Promise<void>;
}

/** A write request as the hooks see it: the command, the item's partition key, whether it has a condition. */
export interface Write {
  command: string;
  pk: string;
  conditional: boolean;
}

function refused(message: string): Error {
  return Object.assign(new Error(message), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
}

function keyOf(input: Record<string, unknown>): string {
  const key = (input.Key ?? input.Item) as { pk?: { S?: string } } | undefined;
  return key?.pk?.S ?? '';
}

export async function startRig(start: string): Promise<Rig> {
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const root = mkdtempSync(path.join(tmpdir(), 'kvorum-faults-'));
  const dataDir = path.join(root, 'dynamodb');
  const clock = new OffsetClock({ start });
  const ses = await startSesLocal({ requestTimeoutMs: SES_TIMEOUT_MS });
  const faults: TableFaults = {};
  let system: LocalSystem;
  let restarting: Promise<void> | null = null;

  const boot = async () => {
    const booted = (await startLocalSystem({
      clock,
      dataDir,
      realSes: { endpoint: ses.endpoint, region: 'eu-central-1' },
      retryIntervalMs: 200,
      mailLeaseMs: LEASE_MS,
      sesRequestTimeoutMs: SES_TIMEOUT_MS,
    })) as unknown as LocalSystem;
    const state = { dead: false };
    wrap(booted.deps.store.table.client, state);
    return { booted, state };
  };

  const wrap = (client: DynamoDBClient, state: { dead: boolean }) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (state.dead) throw refused('injected: the process was killed');
        const name = context.commandName ?? '';
        const input = args.input as Record<string, unknown>;
        if (WRITES.has(name)) {
          const write: Write = { command: name, pk: keyOf(input), conditional: input.ConditionExpression !== undefined };
          if (faults.beforeWrite?.(write)) throw refused('injected: write refused');
          if (faults.writesRefusedUntil !== undefined && clock.now().getTime() < faults.writesRefusedUntil) throw refused('injected: writes refused');
          const result = await next(args);
          faults.afterWrite?.(write);
          if (state.dead) throw refused('injected: the process was killed');
          return result;
        }
        return next(args);
      },
      { step: 'initialize', name: 'kvorumFaultInjection' },
    );
  };

  let current = await boot();
  system = current.booted;
  const rig: Rig = {
    ses,
    clock,
    h: harnessOver(system, clock, (to) => clock.advanceTo(to), ses),
    faults,
    async killAndRestart() {
      restarting ??= (async () => {
        current.state.dead = true;
        await system.stop();
        current = await boot();
        system = current.booted;
        rig.h = harnessOver(system, clock, (to) => clock.advanceTo(to), ses);
        await system.resumeActiveMeetings();
      })();
      await restarting;
    },
    async restarted() {
      if (restarting) await restarting;
      restarting = null;
      await rig.h.settle();
    },
    async stop() {
      await system.stop();
      await ses.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return rig;
}
