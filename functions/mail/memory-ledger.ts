/**
 * SendLedger kept in memory: for unit tests and the single-process local runtime.
 * Production uses the DynamoDB implementation of the same port.
 */
import type { SendLedger } from './mailer.ts';

export interface LedgerEntry {
  state: 'claimed' | 'sent';
  meta: Record<string, string>;
  messageId?: string;
}

export class InMemorySendLedger implements SendLedger {
  readonly entries = new Map<string, LedgerEntry>();

  async claimSend(key: string, meta: Record<string, string>): Promise<boolean> {
    if (this.entries.has(key)) return false;
    this.entries.set(key, { state: 'claimed', meta });
    return true;
  }

  async markSent(key: string, messageId: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) throw new Error(`ledger: ${key} was not claimed`);
    entry.state = 'sent';
    entry.messageId = messageId;
  }

  async releaseSend(key: string): Promise<void> {
    if (this.entries.get(key)?.state === 'claimed') this.entries.delete(key);
  }
}
