/**
 * Sends e-mails through SES v2 (Content.Raw, see mime.ts): none lost, at most one extra copy per
 * unknown outcome (issue 10), even when the task that sends runs twice or dies mid-send.
 *
 * Each e-mail (meeting, purpose, recipient, revision) has a ledger record (SendLedger; DynamoDB in
 * production, functions/store/mail-ledger.ts): a lease is taken before the send and the record becomes
 * `sent` with SES's message id after it. SES is called once per lease (no SDK retries, a request
 * timeout: functions/lib/aws-clients.ts). A clean refusal ends the lease at once; an unknown outcome
 * (timeout, 5xx, reset, a crash) keeps it until it expires, and until then the e-mail is neither sent
 * nor delivered: `send` throws MailPending, so the step is retried and sends once the lease is over.
 * Every attempt carries the same Message-ID, derived from the ledger key, so a copy can be recognised.
 */
import { createHash } from 'node:crypto';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Clock } from '../lib/clock.ts';
import { assertEmailAddress, buildMimeMessage, type MailAddress } from './mime.ts';
import type { MailMessage } from './types.ts';

export type Claim =
  /** This caller owns the e-mail now: send it (attempt counts the leases taken so far). */
  | { kind: 'claimed'; attempt: number }
  /** Delivered to SES before. */
  | { kind: 'sent'; messageId: string }
  /** Another attempt is in flight, or its outcome is unknown: not before `until`. */
  | { kind: 'leased'; until: string };

export interface SendLedger {
  claim(key: string, meta: Record<string, string>, leaseMs: number): Promise<Claim>;
  markSent(key: string, messageId: string): Promise<void>;
  /** SES said no before accepting: the lease ends now. */
  release(key: string, attempt: number, reason: string): Promise<void>;
  /** The outcome is unknown: the lease stands until it expires. */
  markUnknown(key: string, attempt: number, reason: string): Promise<void>;
}

export interface SendKey {
  meetingId: string;
  /** e.g. "notice", "ballot", "reminder:opinions", "protocol-signature". */
  purpose: string;
  /** Member id (or e-mail of an invitee). */
  recipient: string;
  /** Meeting revision (or document version) the message belongs to; a new revision sends again. */
  revision: number;
}

/** `duplicate`: the e-mail was delivered to SES before (by an earlier run); nothing was sent now. */
export type SendResult = { status: 'sent'; messageId: string; key: string } | { status: 'duplicate'; messageId: string; key: string };

/**
 * The e-mail is not known to be delivered and may not be sent now (another attempt holds its lease, or
 * an attempt's outcome is unknown): the step counts it undelivered and is retried (a TransientError).
 */
export class MailPending extends Error {
  override readonly name = 'TransientError';
  constructor(
    readonly key: string,
    readonly until: string,
    detail: string,
  ) {
    super(`E-mail ${key} not delivered yet (${detail}); tried again after ${until}`);
  }
}

/**
 * SES answered and did not accept: a 4xx (rejected, throttled, paused), or the connection was refused
 * before any request went out. Anything else — a 5xx, a timeout, a reset — may have been accepted.
 */
export function isCleanRefusal(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) return true;
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/** A lease outlives one attempt: the SES request timeout plus the writes around it. */
export const DEFAULT_LEASE_MS = 60_000;

export interface MailerOptions {
  ses: SESv2Client;
  /** "Kvorum <kvorum@example.org>" or a bare address. */
  from: string | MailAddress;
  ledger: SendLedger;
  clock: Clock;
  configurationSetName?: string;
  /** How long an attempt owns an e-mail (DEFAULT_LEASE_MS); after that an unknown outcome is retried. */
  leaseMs?: number;
  /** Waits between tries of recording a sent e-mail (tests pass zeros). */
  recordRetryDelaysMs?: readonly number[];
}

/** The ledger key of one e-mail; parts are URI-encoded so "#" inside an id cannot collide. */
export function sendKeyString(key: SendKey): string {
  if (!Number.isInteger(key.revision) || key.revision < 0) throw new Error('mailer: revision must be a non-negative integer');
  const part = (s: string) => {
    if (!s) throw new Error('mailer: empty key part');
    return encodeURIComponent(s);
  };
  return `mail#${part(key.meetingId)}#${part(key.purpose)}#${part(key.recipient)}#${key.revision}`;
}

/** Parses "Name <a@b>" or "a@b". */
export function parseAddress(value: string | MailAddress): MailAddress {
  if (typeof value !== 'string') return value;
  const m = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(value);
  if (m) return { name: m[1]?.replace(/^"|"$/g, '') || undefined, email: m[2]!.trim() };
  return { email: value.trim() };
}

/** SES tag values: letters, digits, _ and - only. */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) || '_';
}

export class Mailer {
  private readonly ses: SESv2Client;
  private readonly from: MailAddress;
  private readonly ledger: SendLedger;
  private readonly clock: Clock;
  private readonly configurationSetName?: string;
  private readonly leaseMs: number;
  private readonly recordRetryDelaysMs: readonly number[];

  constructor(options: MailerOptions) {
    this.ses = options.ses;
    this.from = parseAddress(options.from);
    assertEmailAddress(this.from.email);
    this.ledger = options.ledger;
    this.clock = options.clock;
    this.configurationSetName = options.configurationSetName;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.recordRetryDelaysMs = options.recordRetryDelaysMs ?? [200, 1000, 3000, 5000];
  }

  async send(key: SendKey, message: MailMessage, to: string | MailAddress): Promise<SendResult> {
    const ledgerKey = sendKeyString(key);
    const recipient = parseAddress(to);
    assertEmailAddress(recipient.email);
    const claim = await this.ledger.claim(
      ledgerKey,
      { meetingId: key.meetingId, purpose: key.purpose, recipient: key.recipient, revision: String(key.revision), to: recipient.email, subject: message.subject },
      this.leaseMs,
    );
    if (claim.kind === 'sent') return { status: 'duplicate', messageId: claim.messageId, key: ledgerKey };
    if (claim.kind === 'leased') throw new MailPending(ledgerKey, claim.until, 'another attempt is in flight or its outcome is unknown');

    const domain = this.from.email.split('@')[1] ?? 'kvorum.local';
    const raw = buildMimeMessage({
      from: this.from,
      to: recipient,
      subject: message.subject,
      text: message.text,
      html: message.html,
      attachments: message.attachments,
      date: this.clock.now(),
      messageId: stableMessageId(ledgerKey, domain),
      headers: { 'X-Kvorum-Purpose': key.purpose, 'X-Kvorum-Meeting': key.meetingId, 'X-Kvorum-Attempt': String(claim.attempt) },
    });
    let messageId: string | undefined;
    try {
      const response = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: this.from.email,
          Destination: { ToAddresses: [recipient.email] },
          Content: { Raw: { Data: Buffer.from(raw, 'utf8') } },
          ConfigurationSetName: this.configurationSetName,
          EmailTags: [
            { Name: 'purpose', Value: tagValue(key.purpose) },
            { Name: 'meeting', Value: tagValue(key.meetingId) },
          ],
        }),
      );
      messageId = response.MessageId;
    } catch (error) {
      const reason = `${(error as Error).name}: ${(error as Error).message}`;
      if (isCleanRefusal(error)) {
        await this.ledger.release(ledgerKey, claim.attempt, reason);
        throw error;
      }
      // Perhaps accepted: the lease stands (recording why is best effort: the lease says enough).
      await this.ledger.markUnknown(ledgerKey, claim.attempt, reason).catch(() => undefined);
      throw new MailPending(ledgerKey, new Date(this.clock.now().getTime() + this.leaseMs).toISOString(), reason);
    }
    if (!messageId) {
      await this.ledger.markUnknown(ledgerKey, claim.attempt, 'SES returned no MessageId').catch(() => undefined);
      throw new MailPending(ledgerKey, new Date(this.clock.now().getTime() + this.leaseMs).toISOString(), 'SES returned no MessageId');
    }
    await this.recordSent(ledgerKey, messageId);
    return { status: 'sent', messageId, key: ledgerKey };
  }

  /**
   * Sent: recording it is tried a few times (a short outage of the table); if it still fails, the lease
   * expires and the e-mail goes once more — one copy too many rather than one lost.
   */
  private async recordSent(ledgerKey: string, messageId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ledger.markSent(ledgerKey, messageId);
        return;
      } catch (error) {
        const delay = this.recordRetryDelaysMs[attempt];
        if (delay === undefined) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

/** The same Message-ID on every attempt of one e-mail, so a second copy is recognisable as such. */
export function stableMessageId(ledgerKey: string, domain: string): string {
  return `kvorum.${createHash('sha256').update(ledgerKey).digest('hex').slice(0, 32)}@${domain}`;
}
