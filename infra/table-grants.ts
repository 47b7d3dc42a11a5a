/**
 * What each function may do on the one Kvorum table: exactly the DynamoDB calls its code can reach
 * (test/unit/infra/grants.test.ts follows each handler's calls through the sources and fails when
 * this list and the code differ). No function scans; none writes transactions.
 */
import { GSI_LISTINGS } from '../functions/store/table.ts';

export type TableAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';

export const TABLE_READ_ACTIONS: readonly TableAction[] = ['GetItem', 'BatchGetItem', 'Query'];

export interface TableGrant {
  actions: readonly TableAction[];
  /** The GSIs the function queries; only these index ARNs are granted (Query only). */
  indexes?: readonly string[];
  /**
   * The partitions (IAM StringLike patterns of `pk`) an action may touch, enforced with the
   * dynamodb:LeadingKeys condition: a function that only unbinds signers cannot delete a meeting.
   */
  onlyIn?: Partial<Record<TableAction, readonly string[]>>;
}

/** Item partitions (functions/store/keys.ts). */
export const PARTITIONS = {
  /** The protocol's partition: header, signers, version copies. */
  protocol: 'MEETING#*#PROTOCOL',
  /** A meeting's own partitions (meeting, agenda, …, protocol). */
  meeting: 'MEETING#*',
  /** A group's partition: header, roster members, address statuses. */
  group: 'GROUP#*',
} as const;

const reads = ['GetItem', 'Query'] as const;
const readsWithLinks = ['GetItem', 'BatchGetItem', 'Query'] as const;
/** Audit entries, links and send-ledger records are put; meetings, ballots and ledger records updated. */
const writes = ['PutItem', 'UpdateItem'] as const;

export const TABLE_GRANTS: Record<string, TableGrant> = {
  // Link pages and their POSTs. A dissent drafts a new protocol version, which unbinds the signers of
  // the old one (ProtocolRepository.bindSigners): its only delete, in the protocol partition.
  MemberLinks: { actions: [...readsWithLinks, ...writes, 'DeleteItem'], onlyIn: { DeleteItem: [PARTITIONS.protocol] } },
  // Rosters are written with BatchWriteItem (member items of the group); a new agenda deletes removed
  // items, a protocol edit unbinds old signers. Lists meetings and links through gsi1.
  Admin: {
    actions: [...readsWithLinks, ...writes, 'DeleteItem', 'BatchWriteItem'],
    indexes: [GSI_LISTINGS],
    onlyIn: { DeleteItem: [PARTITIONS.meeting], BatchWriteItem: [PARTITIONS.group] },
  },
  // Finds the groups of a bouncing address through gsi1 and marks it (PutItem).
  SesEvents: { actions: [...reads, ...writes], indexes: [GSI_LISTINGS] },
  // The weekly send-ledger record and the e-mail to ops: one read, one update.
  CalendarCheck: { actions: ['GetItem', 'UpdateItem'] },
  // Lists groups and their meetings through gsi1; reads audit trails and proposals; the digest's ledger record.
  SecretaryDigest: { actions: ['GetItem', 'Query', 'UpdateItem'], indexes: [GSI_LISTINGS] },
  // Reads the convened meeting; writes nothing.
  LoadMeetingTask: { actions: reads },
  AwaitCallbackTask: { actions: [...reads, ...writes] },
  OpenProposalsTask: { actions: [...readsWithLinks, ...writes] },
  RequestApprovalTask: { actions: [...readsWithLinks, ...writes] },
  SendNoticeTask: { actions: [...readsWithLinks, ...writes] },
  SendReminderTask: { actions: [...readsWithLinks, ...writes] },
  OpenVotingTask: { actions: [...readsWithLinks, ...writes] },
  CloseVotingTask: { actions: [...reads, ...writes] },
  TallyTask: { actions: [...reads, ...writes] },
  RequestSignaturesTask: { actions: [...readsWithLinks, ...writes, 'DeleteItem'], onlyIn: { DeleteItem: [PARTITIONS.protocol] } },
  FinaliseProtocolTask: { actions: [...reads, ...writes] },
  DistributeTask: { actions: [...readsWithLinks, ...writes] },
  // Revokes the meeting's links, found through gsi1.
  CancelMeetingTask: { actions: [...reads, ...writes], indexes: [GSI_LISTINGS] },
  RecordFailureTask: { actions: [...reads, ...writes] },
};
