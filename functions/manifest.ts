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
  | 'secret:read';

export type HandlerKind = 'http-public' | 'http-admin' | 'task' | 'ses-events';

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
}

const task = (aslName: string, file: string, description: string, grants: Grant[]): HandlerSpec => ({
  id: `${aslName}Task`,
  entry: `functions/tasks/${file}.ts`,
  kind: 'task',
  grants: ['table:read', 'table:write', ...grants],
  memoryMb: 512,
  timeoutSeconds: 60,
  description,
  aslName,
});

export const handlers: HandlerSpec[] = [
  {
    id: 'MemberLinks',
    entry: 'functions/handlers/member-links.ts',
    kind: 'http-public',
    grants: ['table:read', 'table:write', 'ses:send', 'sfn:callback', 'secret:read'],
    memoryMb: 1024,
    timeoutSeconds: 29,
    description: 'Member link pages: GET shows, POST acts (proposals, attendance, opinions, ballots, dissent, signatures).',
  },
  {
    id: 'Admin',
    entry: 'functions/handlers/admin.ts',
    kind: 'http-admin',
    grants: ['table:read', 'table:write', 'ses:send', 'sfn:start', 'sfn:callback', 'sfn:stop', 'secret:read'],
    memoryMb: 1024,
    timeoutSeconds: 29,
    description: 'Chair and secretary endpoint: groups, convene, agenda, attendance, protocol narrative, cancel/move.',
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
  task('OpenProposals', 'open-proposals', 'Sends the call for agenda proposals.', ['ses:send', 'secret:read']),
  task('RequestApproval', 'request-approval', 'Stores the approval task token and sends the agenda to the chair.', ['ses:send', 'secret:read']),
  task('SendNotice', 'send-notice', 'Sends the meeting notice with agenda, materials and .ics (п. 2.5г).', ['ses:send', 'secret:read']),
  task('SendReminder', 'send-reminder', 'Sends a reminder to those who still must act, once per deadline.', ['ses:send', 'secret:read']),
  task('OpenVoting', 'open-voting', 'Meeting start: sends ballot links to members not recorded absent.', ['ses:send', 'secret:read']),
  task('CloseVoting', 'close-voting', 'Freezes participants, decides quorum (п. 3.3) and tallies (п. 3.2).', ['ses:send']),
  task('RequestSignatures', 'request-signatures', 'Drafts the protocol, stores the signing task token and sends signing links.', ['ses:send', 'secret:read']),
  task('FinaliseProtocol', 'finalise-protocol', 'Finalises the protocol; the moment is the signing date (п. 3.4).', []),
  task('Distribute', 'distribute', 'Sends the signed protocol (PDF, HTML) to every member (п. 3.4).', ['ses:send']),
  task('CancelMeeting', 'cancel-meeting', 'Cancels the meeting and tells everyone.', ['ses:send']),
  task('RecordFailure', 'record-failure', 'Records a failed step and tells the secretary.', ['ses:send']),
];

export const taskHandlers = handlers.filter((h) => h.kind === 'task');
