/**
 * Every Lambda handler of Kvorum, in one list: the CDK stack makes one NodejsFunction per entry
 * and the local runtime wires the same entries. A task's `aslName` is the placeholder the state
 * machine definition (workflows/meeting.asl.json) uses for its ARN: "${<aslName>Arn}".
 */
export type Grant =
  | 'table:read'
  | 'table:write'
  | 'ses:send'
  | 'sfn:start'
  | 'sfn:callback'
  | 'sfn:stop'
  | 'secret:read'
  /** Protocol documents in the documents bucket (S3): read them / store new ones. */
  | 'documents:read'
  | 'documents:write';

/** `scheduled`: invoked asynchronously by an EventBridge schedule (`schedule` says when). */
export type HandlerKind = 'http-public' | 'http-admin' | 'task' | 'ses-events' | 'scheduled';

export interface HandlerSpec {
  /** Construct id and function name suffix, PascalCase. */
  id: string;
  /** Path from the project root to the module exporting `handler`. */
  entry: string;
  kind: HandlerKind;
  grants: Grant[];
  memoryMb: number;
  timeoutSeconds: number;
  description: string;
  /** Tasks only: the name used in the ASL placeholder "${<aslName>Arn}". */
  aslName?: string;
  /** Renders the protocol PDF: the bundle ships the DejaVu fonts next to the handler. */
  rendersPdf?: boolean;
  /** Scheduled handlers only: an EventBridge cron expression (UTC), e.g. "cron(0 5 * * ? *)". */
  schedule?: string;
}

const task = (aslName: string, file: string, description: string, grants: Grant[], rendersPdf = false): HandlerSpec => ({
  id: `${aslName}Task`,
  entry: `functions/tasks/${file}.ts`,
  kind: 'task',
  grants: ['table:read', 'table:write', ...grants],
  memoryMb: 512,
  timeoutSeconds: 60,
  description,
  aslName,
  ...(rendersPdf ? { rendersPdf } : {}),
});

export const handlers: HandlerSpec[] = [
  {
    id: 'MemberLinks',
    entry: 'functions/handlers/member-links.ts',
    kind: 'http-public',
    grants: ['table:read', 'table:write', 'ses:send', 'sfn:callback', 'secret:read', 'documents:read', 'documents:write'],
    memoryMb: 1024,
    timeoutSeconds: 29,
    description: 'Member link pages: GET shows, POST acts (proposals, attendance, opinions, ballots, dissent, signatures).',
    rendersPdf: true,
  },
  {
    id: 'Admin',
    entry: 'functions/handlers/admin.ts',
    kind: 'http-admin',
    grants: ['table:read', 'table:write', 'ses:send', 'sfn:start', 'sfn:callback', 'sfn:stop', 'secret:read', 'documents:read', 'documents:write'],
    memoryMb: 1024,
    timeoutSeconds: 29,
    description: 'Chair and secretary endpoint: groups, convene, agenda, attendance, protocol narrative, cancel/move.',
    rendersPdf: true,
  },
  {
    id: 'SesEvents',
    entry: 'functions/handlers/ses-events.ts',
    kind: 'ses-events',
    grants: ['table:read', 'table:write', 'ses:send'],
    memoryMb: 256,
    timeoutSeconds: 30,
    description: 'SES bounce/complaint events: marks the address as failing and tells the secretary.',
  },
  {
    id: 'CalendarCheck',
    entry: 'functions/handlers/calendar-check.ts',
    kind: 'scheduled',
    // The send ledger (one e-mail a week) and the e-mail to ops; nothing else.
    grants: ['table:read', 'table:write', 'ses:send'],
    memoryMb: 256,
    timeoutSeconds: 60,
    description: 'Daily: warns ops (metric, alarm, one e-mail a week) when the production calendar ends within 90 days or a provisional year is in use.',
    // Every day at 05:00 UTC (09:00 in Europe/Astrakhan).
    schedule: 'cron(0 5 * * ? *)',
  },
  {
    id: 'SecretaryDigest',
    entry: 'functions/handlers/secretary-digest.ts',
    kind: 'scheduled',
    // Reads groups, meetings, audit trails and proposals; the send ledger and the e-mail.
    grants: ['table:read', 'table:write', 'ses:send'],
    memoryMb: 256,
    timeoutSeconds: 120,
    description: 'Daily: e-mails each secretary what happened in her group in the last 24 hours (proposals, signatures complete, distribution, bounces).',
    // Every day at 04:00 UTC (08:00 in Europe/Astrakhan), before the working day.
    schedule: 'cron(0 4 * * ? *)',
  },
  task('LoadMeeting', 'load-meeting', 'Loads the convened meeting: deadlines and reminder times for this revision.', []),
  task('AwaitCallback', 'await-callback', 'Stores the task token of a waiting phase; completes it at once if everyone has acted.', ['sfn:callback']),
  task('OpenProposals', 'open-proposals', 'Sends the call for agenda proposals.', ['ses:send', 'secret:read']),
  task('RequestApproval', 'request-approval', 'Sends the agenda formed by the secretary to the chair for approval.', ['ses:send', 'secret:read']),
  task('SendNotice', 'send-notice', 'Sends the meeting notice with agenda, materials and .ics (п. 2.5г).', ['ses:send', 'secret:read']),
  task('SendReminder', 'send-reminder', 'Sends a reminder to those who still must act, once per deadline.', ['ses:send', 'secret:read']),
  task('OpenVoting', 'open-voting', 'Meeting start: sends ballot links to members not recorded absent.', ['ses:send', 'secret:read']),
  task('CloseVoting', 'close-voting', 'Freezes the participants list and decides the quorum (п. 3.3).', []),
  task('Tally', 'tally', 'Tallies each item (п. 3.2), or records no quorum and tells the members (п. 3.3).', ['ses:send']),
  task('RequestSignatures', 'request-signatures', 'Drafts the protocol and sends every signer a link to the exact version.', ['ses:send', 'secret:read', 'documents:read', 'documents:write']),
  task('FinaliseProtocol', 'finalise-protocol', 'Finalises the protocol; the moment is the signing date (п. 3.4).', ['ses:send']),
  task('Distribute', 'distribute', 'Sends every member the signed protocol (HTML; the PDF below the group threshold) and a personal download link (п. 3.4).', ['ses:send', 'secret:read', 'documents:read', 'documents:write'], true),
  task('CancelMeeting', 'cancel-meeting', 'Cancels the meeting and tells everyone.', ['ses:send']),
  task('RecordFailure', 'record-failure', 'Records a failed step and tells the secretary.', ['ses:send']),
];

export const taskHandlers = handlers.filter((h) => h.kind === 'task');
