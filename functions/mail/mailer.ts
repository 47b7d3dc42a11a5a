/**
 * Sends e-mails through SES v2 (Content.Raw, see mime.ts) exactly once per
 * (meeting, purpose, recipient, revision), even when the task that sends runs twice
 * (Step Functions retries, Lambda re-invocations).
 *
 * The once-only guarantee comes from the SendLedger port (a conditional write on DynamoDB in
 * production): claim → send → mark sent. A failed send releases the claim and rethrows, so a
 * retry can send. A crash between claim and send leaves the claim in place (at most once):
 * the ledger implementation decides whether stale claims expire.
 */
import { randomUUID } from 'node:crypto';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Clock } from '../lib/clock.ts';
import { assertEmailAddress, buildMimeMessage, type MailAddress } from './mime.ts';
import type { MailMessage } from './types.ts';

export interface SendLedger {
  /** True when this caller now owns the key (first claim); false when it was already claimed or sent. */
  claimSend(key: string, meta: Record<string, string>): Promise<boolean>;
  markSent(key: string, messageId: string): Promise<void>;
  /** Undoes a claim whose send failed, so a retry may send. */
  releaseSend(key: string): Promise<void>;
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

export type SendResult = { status: 'sent'; messageId: string; key: string } | { status: 'duplicate'; key: string };

export interface MailerOptions {
  ses: SESv2Client;
  /** "Kvorum <kvorum@example.org>" or a bare address. */
  from: string | MailAddress;
  ledger: SendLedger;
  clock: Clock;
  configurationSetName?: string;
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

  constructor(options: MailerOptions) {
    this.ses = options.ses;
    this.from = parseAddress(options.from);
    assertEmailAddress(this.from.email);
    this.ledger = options.ledger;
    this.clock = options.clock;
    this.configurationSetName = options.configurationSetName;
  }

  async send(key: SendKey, message: MailMessage, to: string | MailAddress): Promise<SendResult> {
    const ledgerKey = sendKeyString(key);
    const recipient = parseAddress(to);
    assertEmailAddress(recipient.email);
    const claimed = await this.ledger.claimSend(ledgerKey, {
      meetingId: key.meetingId,
      purpose: key.purpose,
      recipient: key.recipient,
      revision: String(key.revision),
      to: recipient.email,
      subject: message.subject,
    });
    if (!claimed) return { status: 'duplicate', key: ledgerKey };

    let messageId: string;
    try {
      const domain = this.from.email.split('@')[1] ?? 'kvorum.local';
      const raw = buildMimeMessage({
        from: this.from,
        to: recipient,
        subject: message.subject,
        text: message.text,
        html: message.html,
        attachments: message.attachments,
        date: this.clock.now(),
        messageId: `${randomUUID()}@${domain}`,
        headers: { 'X-Kvorum-Purpose': key.purpose, 'X-Kvorum-Meeting': key.meetingId },
      });
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
      if (!response.MessageId) throw new Error('mailer: SES returned no MessageId');
      messageId = response.MessageId;
    } catch (error) {
      await this.ledger.releaseSend(ledgerKey);
      throw error;
    }
    // Sent: a failure to record it must not release the claim (that could send twice).
    await this.ledger.markSent(ledgerKey, messageId);
    return { status: 'sent', messageId, key: ledgerKey };
  }
}
