/**
 * The protocol of a meeting (SPEC «Protocol», п. 2.5е, 2.6ж, 3.4) in its own partition
 * `MEETING#<id>#PROTOCOL`:
 * - `HEAD`: the current version — its number, the SHA-256 signers sign, the S3 keys of its documents,
 *   the signing deadline, finalisation and the signed documents; never a body, never a signature;
 * - `SIGNER#<memberId>`: one per signer, bound to the version and hash that signer must sign, with the
 *   signature once given and the member's dissent (п. 2.6ж);
 * - `V#<n>`: the immutable copy of each version (keys and hashes).
 *
 * Signing is ONE conditional UpdateItem on the signer's own item, then ONE atomic ADD on the header's
 * count of the version's signatures, which says whether it was the last; the full completion Query
 * (the partition's signer items) runs only where the count cannot tell. No item grows with the
 * number of signers.
 */
import pMap from 'p-map';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from './attributes.ts';
import type { Instant } from '../domain/types.ts';
import { ConditionFailedError } from './errors.ts';
import { Expr } from './expression.ts';
import { keys, strip } from './keys.ts';
import type {
  DissentRecord,
  NewProtocolVersion,
  ProtocolHeader,
  ProtocolRecord,
  ProtocolSignature,
  ProtocolState,
  ProtocolVersionRecord,
  SignedProtocolDocuments,
  SignerRecord,
} from './records.ts';
import type { TableAccess } from './table-access.ts';

/** Signer items written at once when a version is bound or the protocol is finalised. */
export const SIGNER_WRITE_CONCURRENCY = 16;
/** Items the completion check reads first; it reads on only when none of them is still unsigned. */
const COMPLETION_FIRST_PAGE = 64;

const HEAD = 'HEAD';
const SIGNER = 'SIGNER#';
const VERSION = 'V#';

export class ProtocolRepository {
  constructor(private readonly table: TableAccess) {}

  /** Header, signer items and dissents with one consistent Query; null before the first draft. */
  async load(meetingId: string): Promise<ProtocolState | null> {
    const e = new Expr();
    // HEAD < SIGNER#… < V#…: everything but the version copies.
    const condition = `${e.n('pk')} = ${e.v(keys.protocolPartition(meetingId))} AND ${e.n('sk')} < ${e.v(VERSION)}`;
    const items = await this.table.queryAll({ KeyConditionExpression: condition, ConsistentRead: true, ...e.params() });
    let header: ProtocolHeader | null = null;
    const signers: SignerRecord[] = [];
    for (const item of items) {
      const sk = item.sk?.S ?? '';
      if (sk === HEAD) header = strip<ProtocolHeader>(item);
      else if (sk.startsWith(SIGNER)) signers.push(strip<SignerRecord>(item));
    }
    return header ? stateOf(header, signers) : null;
  }

  async getHeader(meetingId: string): Promise<ProtocolHeader | null> {
    return this.table.get<ProtocolHeader>(keys.protocolHeader(meetingId));
  }

  /** Every version ever current, oldest first (the current one even if its copy was not written yet). */
  async listVersions(meetingId: string): Promise<ProtocolVersionRecord[]> {
    const [copies, header] = await Promise.all([
      this.table.queryPartition(keys.protocolPartition(meetingId), VERSION),
      this.getHeader(meetingId),
    ]);
    const versions = copies.map((item) => strip<ProtocolVersionRecord>(item));
    if (header && !versions.some((v) => v.version === header.version)) versions.push(versionOf(header));
    return versions.sort((a, b) => a.version - b.version);
  }

  /**
   * Makes `content` the current version (expectedVersion = the version the editor saw, 0 for the first
   * draft); its documents must already be stored. Refused when stale ('stale') or finalised
   * ('finalised'). The current version is copied before it is replaced and the new one after, so a
   * crash between the writes loses no version. `signingDeadline` is the new version's own (its signers
   * have until then); without one the header keeps its deadline. Signer items are bound separately
   * (bindSigners).
   */
  async saveVersion(
    meetingId: string,
    expectedVersion: number,
    content: NewProtocolVersion & { signerCount: number; signingDeadline?: Instant },
  ): Promise<ProtocolHeader> {
    const current = await this.getHeader(meetingId);
    if (current?.finalisedAt) throw new ConditionFailedError('saveProtocolVersion', 'finalised');
    if ((current?.version ?? 0) !== expectedVersion) throw new ConditionFailedError('saveProtocolVersion', 'stale');
    const { signingDeadline, signerCount, ...fields } = content;
    const version: ProtocolVersionRecord = { meetingId, version: expectedVersion + 1, createdAt: this.table.stamp(), ...fields };
    let saved: ProtocolHeader | null;
    if (!current) {
      const header: ProtocolHeader = { ...version, signerCount, signedCount: 0, ...(signingDeadline ? { signingDeadline } : {}) };
      saved = (await this.table.putNew({ ...keys.protocolHeader(meetingId), ...header })) ? header : null;
    } else {
      await this.archive(versionOf(current));
      const e = new Expr();
      for (const [field, value] of Object.entries(version)) e.set([field], value);
      // A new version voids every signature (bindSigners): its count starts again.
      e.set(['signerCount'], signerCount).set(['signedCount'], 0).set(['signingDeadline'], signingDeadline);
      const condition = `${e.n('version')} = ${e.v(expectedVersion)} AND attribute_not_exists(${e.n('finalisedAt')})`;
      const item = await this.table.update(keys.protocolHeader(meetingId), e, condition);
      saved = item ? strip<ProtocolHeader>(item) : null;
    }
    if (!saved) {
      const now = await this.getHeader(meetingId);
      throw new ConditionFailedError('saveProtocolVersion', now?.finalisedAt ? 'finalised' : 'stale');
    }
    await this.archive(version);
    return saved;
  }

  /** Writes the copy of the current version if it is missing (a crash came right after the header write). */
  async keepCopy(header: ProtocolVersionRecord): Promise<void> {
    await this.archive(versionOf(header));
  }

  private async archive(version: ProtocolVersionRecord): Promise<void> {
    await this.table.putNew({ ...keys.protocolVersion(version.meetingId, version.version), ...versionOf(version) });
  }

  /**
   * Binds every signer to the header's version, hash and deadline (п. 2.5е / SPEC step 6: any edit voids
   * all signatures), with bounded concurrency; items of members who no longer sign are deleted.
   * Idempotent: items already bound are not written, so a re-run after a crash writes only what is
   * left. A binding never goes back to an older version; re-binding to a newer one reopens an item a
   * finalisation of the older version had closed (that finalisation is refused: the header moved on).
   * An item of the current version whose deadline differs only takes the header's deadline, and keeps
   * its signature. Dissents and the history of signatures stay.
   */
  async bindSigners(meetingId: string, header: Pick<ProtocolHeader, 'version' | 'hash' | 'signingDeadline'>, signerIds: readonly string[]): Promise<{ bound: number; removed: number }> {
    const deadline = header.signingDeadline;
    if (!deadline) throw new ConditionFailedError('bindSigners', 'no-deadline', 'Signers are bound once the signing deadline is known');
    const existing = new Map((await this.listSigners(meetingId)).map((s) => [s.memberId, s]));
    const wanted = new Set(signerIds);
    const isCurrent = (item: SignerRecord) => item.version === header.version && item.expectedHash === header.hash;
    const toBind = [...wanted].filter((id) => {
      const item = existing.get(id);
      return !item || item.version < header.version || (item.version === header.version && item.expectedHash !== header.hash);
    });
    const toRedate = [...wanted].filter((id) => {
      const item = existing.get(id);
      return item !== undefined && isCurrent(item) && item.signingDeadline !== deadline;
    });
    const toRemove = [...existing.values()].filter((s) => !wanted.has(s.memberId) && s.version < header.version);
    await pMap(
      toBind,
      async (memberId) => {
        const e = new Expr()
          .set(['memberId'], memberId)
          .set(['version'], header.version)
          .set(['expectedHash'], header.hash)
          .set(['signingDeadline'], deadline)
          .remove(['signature'])
          .remove(['closedAt']);
        const v = e.n('version');
        const condition = `attribute_not_exists(${v}) OR ${v} < ${e.v(header.version)} OR (${v} = ${e.v(header.version)} AND ${e.n('expectedHash')} <> ${e.v(header.hash)})`;
        await this.table.update(keys.signer(meetingId, memberId), e, condition);
      },
      { concurrency: SIGNER_WRITE_CONCURRENCY },
    );
    await pMap(
      toRedate,
      async (memberId) => {
        const e = new Expr().set(['signingDeadline'], deadline);
        const condition = `${e.n('version')} = ${e.v(header.version)} AND ${e.n('expectedHash')} = ${e.v(header.hash)} AND attribute_not_exists(${e.n('closedAt')})`;
        await this.table.update(keys.signer(meetingId, memberId), e, condition);
      },
      { concurrency: SIGNER_WRITE_CONCURRENCY },
    );
    await pMap(
      toRemove,
      async (signer) => {
        const e = new Expr();
        await this.table.deleteIf(keys.signer(meetingId, signer.memberId), `${e.n('version')} < ${e.v(header.version)}`, e);
      },
      { concurrency: SIGNER_WRITE_CONCURRENCY },
    );
    return { bound: toBind.length + toRedate.length, removed: toRemove.length };
  }

  private async listSigners(meetingId: string): Promise<SignerRecord[]> {
    const items = await this.table.queryPartition(keys.protocolPartition(meetingId), SIGNER);
    return items.map((item) => strip<SignerRecord>(item));
  }

  /**
   * A signer signs the exact version they read (SPEC step 6): ONE conditional write on their own item,
   * refused unless the hash is the one the item is bound to, it is not signed yet, not closed, and the
   * deadline has not passed. Signing again returns the first signature with recorded = false.
   * Reasons: 'not-found' (no protocol) | 'not-a-signer' | 'stale' | 'finalised' | 'deadline-passed'.
   */
  async sign(meetingId: string, memberId: string, hash: string, linkId: string): Promise<{ signature: ProtocolSignature; recorded: boolean; version: number }> {
    const signature: ProtocolSignature = { at: this.table.stamp(), hash, linkId };
    const e = new Expr().set(['signature'], signature);
    e.setRaw(['signedVersions'], `list_append(if_not_exists(${e.n('signedVersions')}, ${e.v([])}), ${e.v([signature])})`);
    const condition = [
      `attribute_exists(${e.n('pk')})`,
      `${e.n('expectedHash')} = ${e.v(hash)}`,
      `attribute_not_exists(${e.n('signature')})`,
      `attribute_not_exists(${e.n('closedAt')})`,
      `${e.n('signingDeadline')} >= ${e.v(this.table.nowForDeadline())}`,
    ].join(' AND ');
    const signed = await this.table.update(keys.signer(meetingId, memberId), e, condition);
    if (signed) return { signature, recorded: true, version: strip<SignerRecord>(signed).version };
    const item = await this.table.get<SignerRecord>(keys.signer(meetingId, memberId));
    if (item?.signature && item.signature.hash === hash) return { signature: item.signature, recorded: false, version: item.version };
    throw await this.refusal('signProtocol', meetingId, item, hash);
  }

  /**
   * Counts a signature just recorded on `version` (ONE atomic ADD on the header, whose count a new
   * version resets): true when it was the last one the version needs. null when the count cannot
   * tell — the header moved to another version meanwhile, or was saved before headers counted — and
   * the caller asks completion(). A crash between the signature and its count leaves the count short:
   * then the version completes at its deadline, or when the signer tries again (the repeat checks
   * completion() in full).
   */
  async countSignature(meetingId: string, version: number, hash: string): Promise<boolean | null> {
    const e = new Expr().add(['signedCount'], 1);
    const condition = [
      `${e.n('version')} = ${e.v(version)}`,
      `${e.n('hash')} = ${e.v(hash)}`,
      `attribute_exists(${e.n('signedCount')})`,
      `attribute_not_exists(${e.n('finalisedAt')})`,
    ].join(' AND ');
    const counted = await this.table.update(keys.protocolHeader(meetingId), e, condition);
    if (!counted) return null;
    const header = strip<ProtocolHeader>(counted);
    return (header.signedCount ?? 0) >= header.signerCount;
  }

  /** п. 2.6ж: a member's dissenting opinion, on their signer item, accepted until signing ends. */
  async submitDissent(meetingId: string, memberId: string, text: string, itemId?: string): Promise<DissentRecord> {
    const dissent: DissentRecord = { memberId, ...(itemId ? { itemId } : {}), text, submittedAt: this.table.stamp() };
    const e = new Expr().set(['dissent'], dissent);
    const condition = [
      `attribute_exists(${e.n('pk')})`,
      `attribute_not_exists(${e.n('closedAt')})`,
      `${e.n('signingDeadline')} >= ${e.v(this.table.nowForDeadline())}`,
    ].join(' AND ');
    if (await this.table.update(keys.signer(meetingId, memberId), e, condition)) return dissent;
    const item = await this.table.get<SignerRecord>(keys.signer(meetingId, memberId));
    throw await this.refusal('submitDissent', meetingId, item);
  }

  /** A signer's item, or null. */
  async getSigner(meetingId: string, memberId: string): Promise<SignerRecord | null> {
    return this.table.get<SignerRecord>(keys.signer(meetingId, memberId));
  }

  /**
   * Takes back a dissent no version of the protocol holds: the protocol was finalised between the
   * dissent and the new version it needed. The member's earlier dissent, if any, is put back. Only
   * while the item still holds this dissent.
   */
  async withdrawDissent(meetingId: string, memberId: string, dissent: DissentRecord, previous?: DissentRecord): Promise<void> {
    const e = previous ? new Expr().set(['dissent'], previous) : new Expr().remove(['dissent']);
    await this.table.update(keys.signer(meetingId, memberId), e, `${e.n('dissent', 'submittedAt')} = ${e.v(dissent.submittedAt)}`);
  }

  /** Explains a refused signer write (dynalite has no ReturnValuesOnConditionCheckFailure). */
  private async refusal(operation: string, meetingId: string, item: SignerRecord | null, hash?: string): Promise<ConditionFailedError> {
    if (!item) return new ConditionFailedError(operation, (await this.getHeader(meetingId)) ? 'not-a-signer' : 'not-found');
    if (item.closedAt) return new ConditionFailedError(operation, 'finalised');
    if (hash !== undefined && item.expectedHash !== hash) return new ConditionFailedError(operation, 'stale');
    return new ConditionFailedError(operation, 'deadline-passed');
  }

  /**
   * Whether every signer of the current version has signed its hash: a Query over the header and the
   * signer items that stops at the first signer bound to this version without a signature. Its first
   * page is small, so while many signatures are missing a signature reads a few items, not the roster.
   */
  async signingComplete(meetingId: string): Promise<boolean> {
    return (await this.completion(meetingId))?.complete ?? false;
  }

  /** The current header and whether its version is signed by all (signingComplete); null before the first draft. */
  async completion(meetingId: string): Promise<{ header: ProtocolHeader; complete: boolean } | null> {
    const e = new Expr();
    const condition = `${e.n('pk')} = ${e.v(keys.protocolPartition(meetingId))} AND ${e.n('sk')} < ${e.v(VERSION)}`;
    let header: ProtocolHeader | null = null;
    let valid = 0;
    let limit: number | undefined = COMPLETION_FIRST_PAGE;
    let start: Item | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({ TableName: this.table.tableName, KeyConditionExpression: condition, ConsistentRead: true, Limit: limit, ExclusiveStartKey: start, ...e.params() }),
      );
      for (const item of page.Items ?? []) {
        // HEAD sorts before every SIGNER#: the header is known when the signers come.
        if (item.sk?.S === HEAD) header = strip<ProtocolHeader>(item);
        else if (header) {
          const signer = strip<SignerRecord>(item);
          if (isValidSignature(header, signer)) valid++;
          else if (signer.version === header.version) return { header, complete: false };
        }
      }
      if (!header) return null;
      start = page.LastEvaluatedKey;
      limit = undefined;
    } while (start);
    return { header, complete: valid >= header.signerCount };
  }

  /**
   * The signature deadline computed when the signature phase starts (п. 2.5е, 3.4). Never shortens a
   * deadline the header has (a version made during signing has its own, later one); false if finalised,
   * not drafted, or the header's deadline is not earlier.
   */
  async setSigningDeadline(meetingId: string, deadline: Instant): Promise<boolean> {
    const e = new Expr().set(['signingDeadline'], deadline);
    const d = e.n('signingDeadline');
    const condition = `attribute_exists(${e.n('pk')}) AND attribute_not_exists(${e.n('finalisedAt')}) AND (attribute_not_exists(${d}) OR ${d} < ${e.v(deadline)})`;
    return (await this.table.update(keys.protocolHeader(meetingId), e, condition)) !== null;
  }

  /**
   * Finalises `version` — the version whose signatures were counted complete, or whose own deadline
   * has passed (the caller decides; SPEC step 6: the moment of finalisation is the signing date).
   * First every signer item bound to that version is closed (nothing more lands on it: no signature,
   * no dissent), then ONE conditional write on the header seals it: `version = :v AND
   * attribute_not_exists(finalisedAt)`. An edit in between makes a new version: the header write is
   * refused ('stale') and the new version's binding reopens the items. So the signatures the final
   * state shows are exactly those accepted on the version sealed. Idempotent: a re-run closes what is
   * left and keeps the first finalisedAt. Refused 'finalised' when another version was finalised.
   */
  async finalise(meetingId: string, version: number): Promise<ProtocolState> {
    const state = await this.load(meetingId);
    if (!state) throw new ConditionFailedError('finaliseProtocol', 'not-found');
    const header = state.protocol;
    if (header.version !== version) throw new ConditionFailedError('finaliseProtocol', header.finalisedAt ? 'finalised' : 'stale', `finaliseProtocol: version ${version} asked, the protocol is at version ${header.version}`);
    const closedAt = header.finalisedAt ?? this.table.stamp();
    const open = state.signers.filter((s) => s.version === version && !s.closedAt);
    await pMap(
      open,
      async (signer) => {
        const e = new Expr().setIfMissing(['closedAt'], closedAt);
        await this.table.update(keys.signer(meetingId, signer.memberId), e, `${e.n('version')} = ${e.v(version)}`);
      },
      { concurrency: SIGNER_WRITE_CONCURRENCY },
    );
    if (!header.finalisedAt) {
      const e = new Expr().set(['finalisedAt'], closedAt);
      const condition = `${e.n('version')} = ${e.v(version)} AND attribute_not_exists(${e.n('finalisedAt')})`;
      if (!(await this.table.update(keys.protocolHeader(meetingId), e, condition))) {
        const now = await this.getHeader(meetingId);
        if (!(now?.finalisedAt && now.version === version)) throw new ConditionFailedError('finaliseProtocol', now?.finalisedAt ? 'finalised' : 'stale');
      }
    }
    return (await this.load(meetingId)) as ProtocolState;
  }

  /** Records the signed documents once; a second caller gets the first ones back. */
  async recordSignedDocuments(meetingId: string, documents: SignedProtocolDocuments): Promise<SignedProtocolDocuments> {
    const e = new Expr().set(['signed'], documents);
    const condition = `attribute_exists(${e.n('pk')}) AND attribute_not_exists(${e.n('signed')})`;
    if (await this.table.update(keys.protocolHeader(meetingId), e, condition)) return documents;
    const header = await this.getHeader(meetingId);
    if (!header?.signed) throw new ConditionFailedError('recordSignedDocuments', 'not-found');
    return header.signed;
  }
}

// ---------------------------------------------------------------- helpers

function versionOf(record: ProtocolVersionRecord): ProtocolVersionRecord {
  const { meetingId, version, hash, htmlKey, narrativeKey, narrativeSha256, editedBy, createdAt } = record;
  return { meetingId, version, hash, htmlKey, narrativeKey, narrativeSha256, editedBy, createdAt };
}

/** A signature counts only on the current version's hash. */
function isValidSignature(header: ProtocolHeader, signer: SignerRecord): boolean {
  return signer.version === header.version && signer.signature?.hash === header.hash;
}

function stateOf(header: ProtocolHeader, signers: SignerRecord[]): ProtocolState {
  const signatures: Record<string, ProtocolSignature> = {};
  const dissents: DissentRecord[] = [];
  for (const signer of signers) {
    if (isValidSignature(header, signer) && signer.signature) signatures[signer.memberId] = signer.signature;
    if (signer.dissent) dissents.push(signer.dissent);
  }
  dissents.sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const protocol: ProtocolRecord = { ...header, signatures };
  return { protocol, signers, dissents };
}
