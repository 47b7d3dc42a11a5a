/**
 * The send ledger (SendLedger port of functions/mail/mailer.ts) on the Kvorum table: one item per
 * e-mail, SEND#<key>. Modelled on Powertools' idempotency records: a send holds a lease (INPROGRESS
 * with an expiry) while it is in flight, and the record becomes `sent` (COMPLETED) with SES's message
 * id. Unlike Powertools, an error does not delete the record: only a clean refusal (SES said no before
 * accepting) ends the lease at once; an unknown outcome keeps it until it expires, so the e-mail is
 * tried again — at most one extra copy per unknown outcome — and never assumed delivered.
 */
import type { Claim, SendLedger } from '../mail/mailer.ts';
import type { Instant } from '../domain/types.ts';
import { Expr } from './expression.ts';
import { keys } from './keys.ts';
import type { SendRecord } from './records.ts';
import type { TableAccess } from './table-access.ts';

export class MailLedger implements SendLedger {
  constructor(private readonly table: TableAccess) {}

  /**
   * ONE conditional write takes the lease: no record yet, or a record never sent whose lease ended (a
   * crash, a timeout, an unknown outcome, a refusal). A record of the old shape ('claimed', no lease)
   * is an unknown outcome too. When the write is refused, one read says why: sent, or leased until when.
   */
  async claim(key: string, meta: Record<string, string>, leaseMs: number): Promise<Claim> {
    const now = this.table.clock.now();
    const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
    const e = new Expr()
      .set(['state'], 'sending')
      .set(['leaseUntil'], leaseUntil)
      .set(['claimedAt'], now.toISOString())
      .set(['meta'], meta)
      .set(['key'], key)
      .add(['attempts'], 1);
    const condition =
      `attribute_not_exists(${e.n('pk')}) OR ` +
      `(${e.n('state')} <> ${e.v('sent')} AND (attribute_not_exists(${e.n('leaseUntil')}) OR ${e.n('leaseUntil')} <= ${e.v(now.toISOString())}))`;
    const taken = await this.table.update(keys.send(key), e, condition);
    if (taken) return { kind: 'claimed', attempt: Number(taken.attempts?.N ?? 1) };
    const record = await this.get(key);
    if (record?.state === 'sent' && record.messageId) return { kind: 'sent', messageId: record.messageId };
    return { kind: 'leased', until: (record?.leaseUntil ?? leaseUntil) as Instant };
  }

  /** SES accepted the e-mail: the record is complete, whoever's attempt it was. */
  async markSent(key: string, messageId: string): Promise<void> {
    const e = new Expr().set(['state'], 'sent').set(['messageId'], messageId).set(['sentAt'], this.table.stamp()).remove(['leaseUntil']);
    await this.table.update(keys.send(key), e);
  }

  /** SES refused before accepting: this attempt's lease ends now, so a retry may send at once. */
  async release(key: string, attempt: number, reason: string): Promise<void> {
    const e = new Expr()
      .set(['leaseUntil'], this.table.stamp())
      .set(['lastOutcome'], 'refused')
      .set(['lastError'], reason.slice(0, 500))
      .add(['refusals'], 1);
    await this.table.update(keys.send(key), e, `${e.n('state')} <> ${e.v('sent')} AND ${e.n('attempts')} = ${e.v(attempt)}`);
  }

  /** The outcome is unknown (timeout, 5xx, reset): the lease stands until it expires; then it is tried again. */
  async markUnknown(key: string, attempt: number, reason: string): Promise<void> {
    const e = new Expr().set(['lastOutcome'], 'unknown').set(['lastError'], reason.slice(0, 500));
    await this.table.update(keys.send(key), e, `${e.n('state')} <> ${e.v('sent')} AND ${e.n('attempts')} = ${e.v(attempt)}`);
  }

  get(key: string): Promise<SendRecord | null> {
    return this.table.get<SendRecord>(keys.send(key));
  }
}
