/**
 * One NodejsFunction per entry of functions/manifest.ts, bundled locally with esbuild (no Docker),
 * and the mapping of its grants (the manifest's, and the table actions of infra/table-grants.ts) to
 * least-privilege IAM statements: explicit actions on explicit ARNs, never a grantReadWriteData.
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import type { Grant, HandlerSpec } from '../functions/manifest.ts';
import { PROTOCOL_FONT_FILES } from '../functions/protocol/pdf.ts';
import { cdkBundling, LAMBDA_RUNTIME, lambdaBundle, SOURCE_MAPS_CONTEXT_KEY, sourceMapsEnabled } from './bundling.ts';
import { acknowledge, wildcardResourceFinding } from './nag.ts';
import { PROJECT_ROOT } from './paths.ts';
import { TABLE_GRANTS, TABLE_READ_ACTIONS, type TableAction, type TableGrant } from './table-grants.ts';

export { ESM_REQUIRE_BANNER, LAMBDA_RUNTIME } from './bundling.ts';

/** Handlers (by aslName for tasks, else id) that render the protocol PDF and need the fonts beside the bundle. */
export function rendersPdf(spec: HandlerSpec): boolean {
  return spec.rendersPdf === true;
}

/** Where the fonts land in the Lambda: the bundle's own directory. */
export const LAMBDA_TASK_ROOT = '/var/task';

/** What the grants of the manifest point at. */
export interface GrantTargets {
  table: dynamodb.ITable;
  /** ARNs of the SES identities mail is sent from (the domain, and the sender address). */
  sesIdentityArns: string[];
  /** ARN of the SES configuration set every message uses. */
  sesConfigurationSetArn: string;
  /** ARN of the meeting state machine (built from its name, so tasks can hold it without a cycle). */
  stateMachineArn: string;
  /** "arn:…:execution:<state machine name>:*" — the executions of that state machine. */
  stateMachineExecutionsArn: string;
  linkSecret: secretsmanager.ISecret;
  /** The private bucket of the protocol documents. */
  documentsBucket: s3.IBucket;
}

/** Where the protocol documents live in the bucket (functions/store/documents.ts: documentKeys). */
export const DOCUMENTS_PREFIX = 'meetings/';

export interface KvorumFunctionProps {
  spec: HandlerSpec;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  applicationLogLevel: lambda.ApplicationLogLevel;
  /** Only for asynchronously invoked functions (SesEvents). */
  deadLetterQueue?: sqs.IQueue;
}

/** A manifest handler as a Lambda function with its own role, log group and bundle. */
export class KvorumFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly spec: HandlerSpec;

  constructor(scope: Construct, id: string, props: KvorumFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention });

    // Own role with an inline policy instead of AWSLambdaBasicExecutionRole (a managed policy
    // that may write to any log group): this function writes only to its own group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Kvorum ${spec.id}: ${grantSummary(spec)}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const withFonts = rendersPdf(spec);
    // Source maps cost init time (reading and parsing the .map): only when switched on do the
    // bundles ship one and stack traces point at the TypeScript sources.
    const sourceMap = sourceMapsEnabled(this.node.tryGetContext(SOURCE_MAPS_CONTEXT_KEY));
    const environment: Record<string, string> = { ...props.environment, ...(sourceMap ? { NODE_OPTIONS: '--enable-source-maps' } : {}) };
    if (withFonts) {
      environment.PDF_FONT_DIR = LAMBDA_TASK_ROOT;
      // functions/protocol/pdf.ts reads KVORUM_FONT_DIR; both name the same directory.
      environment.KVORUM_FONT_DIR = LAMBDA_TASK_ROOT;
    }

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, spec.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: spec.description,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: props.applicationLogLevel,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      environment,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      // infra/bundling.ts: minified ESM, the AWS SDK bundled and tree-shaken (the version the tests ran
      // against is the version that runs), the same options scripts/bench.ts measures.
      bundling: cdkBundling(lambdaBundle({ sourceMap }), withFonts ? copyFontsHook() : undefined),
    });

    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    );
    if (!props.deadLetterQueue) {
      const caller = spec.kind === 'task' ? 'Step Functions lambda:invoke, which retries and catches' : 'API Gateway, which returns the error to the caller';
      acknowledge(this.fn, 'Serverless-LambdaDLQ', `${spec.id} is only invoked synchronously (${caller}); a DLQ applies to asynchronous invocations only.`);
    }
  }
}

/** afterBundling: copy the protocol fonts (the files functions/protocol/pdf.ts loads) next to index.mjs. */
function copyFontsHook(): nodejs.ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) =>
      fontFilesToCopy().map((file) => `cp "${join(inputDir, 'node_modules', 'dejavu-fonts-ttf', 'ttf', file)}" "${outputDir}/${file}"`),
  };
}

/** Exactly the font files functions/protocol/pdf.ts opens (PROTOCOL_FONT_FILES), so the two never drift. */
export function fontFilesToCopy(): string[] {
  return [...new Set([PROTOCOL_FONT_FILES.regular, PROTOCOL_FONT_FILES.bold])];
}

/**
 * The table actions of a function (infra/table-grants.ts), checked against the manifest: a read needs
 * `table:read`, a write `table:write`, and every function with a table grant has its entry.
 */
export function tableGrantOf(spec: HandlerSpec): TableGrant | undefined {
  const grant = TABLE_GRANTS[spec.id];
  const coarse = spec.grants.filter((g) => g === 'table:read' || g === 'table:write');
  if (!grant) {
    if (coarse.length > 0) throw new Error(`${spec.id} holds ${coarse.join(', ')} in functions/manifest.ts but has no entry in infra/table-grants.ts`);
    return undefined;
  }
  for (const action of grant.actions) {
    const needs: Grant = TABLE_READ_ACTIONS.includes(action) ? 'table:read' : 'table:write';
    if (!spec.grants.includes(needs)) throw new Error(`${spec.id}: dynamodb:${action} (infra/table-grants.ts) needs ${needs} in functions/manifest.ts`);
  }
  for (const action of Object.keys(grant.onlyIn ?? {}) as TableAction[]) {
    if (!grant.actions.includes(action)) throw new Error(`${spec.id}: infra/table-grants.ts limits dynamodb:${action}, which it does not grant`);
  }
  return grant;
}

/** One line for the role's description: the table actions, then the other grants of the manifest. */
export function grantSummary(spec: HandlerSpec): string {
  const table = tableGrantOf(spec)?.actions.map((a) => `dynamodb:${a}`) ?? [];
  const other = spec.grants.filter((g) => g !== 'table:read' && g !== 'table:write');
  return [...table, ...other].join(', ') || 'no data grants';
}

/** Item actions on the table ARN; limited actions in their own statement; Query on the named GSIs only. */
function tableStatements(spec: HandlerSpec, table: dynamodb.ITable): iam.PolicyStatement[] {
  const grant = tableGrantOf(spec);
  if (!grant) return [];
  const onlyIn = grant.onlyIn ?? {};
  const statements: iam.PolicyStatement[] = [];
  const unlimited = grant.actions.filter((action) => !onlyIn[action]);
  if (unlimited.length > 0) statements.push(new iam.PolicyStatement({ actions: unlimited.map((a) => `dynamodb:${a}`), resources: [table.tableArn] }));
  for (const action of grant.actions.filter((a) => onlyIn[a])) {
    statements.push(
      new iam.PolicyStatement({
        actions: [`dynamodb:${action}`],
        resources: [table.tableArn],
        // Every key of the request (all of a BatchWriteItem's) must lie in one of the partitions.
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...onlyIn[action]!] } },
      }),
    );
  }
  if (grant.indexes && grant.indexes.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: grant.indexes.map((index) => `${table.tableArn}/index/${index}`) }));
  }
  return statements;
}

/**
 * Applies the grants, and nothing else, to the function's role: the table actions of
 * infra/table-grants.ts, and for each other grant of the manifest the one API call the code makes.
 */
export function applyGrants(fn: KvorumFunction, targets: GrantTargets): void {
  const grants = new Set<Grant>(fn.spec.grants);
  const statements = tableStatements(fn.spec, targets.table);
  if (grants.has('ses:send')) {
    // The SES v2 SendEmail API (Content.Raw included) is authorised as ses:SendEmail; SendRawEmail is v1's.
    statements.push(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [...targets.sesIdentityArns, targets.sesConfigurationSetArn],
      }),
    );
  }
  if (grants.has('sfn:start')) {
    statements.push(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [targets.stateMachineArn] }));
  }
  if (grants.has('sfn:callback')) {
    // Task-token callbacks are authorised against the state machine that issued the token. Kvorum
    // only ever completes a waiting phase (SendTaskSuccess); it never fails one or heartbeats.
    statements.push(new iam.PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: [targets.stateMachineArn] }));
  }
  if (grants.has('sfn:stop')) {
    statements.push(new iam.PolicyStatement({ actions: ['states:StopExecution'], resources: [targets.stateMachineExecutionsArn] }));
    acknowledge(
      fn.role,
      wildcardResourceFinding(fn, targets.stateMachineExecutionsArn),
      'Cancelling or moving a meeting stops its running execution, whose name is known only at run time; the wildcard covers executions of the one meeting state machine only.',
    );
  }
  if (grants.has('secret:read')) {
    statements.push(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [targets.linkSecret.secretArn] }),
    );
  }
  const documentActions = [...(grants.has('documents:read') ? ['s3:GetObject'] : []), ...(grants.has('documents:write') ? ['s3:PutObject'] : [])];
  if (documentActions.length > 0) {
    const objects = targets.documentsBucket.arnForObjects(`${DOCUMENTS_PREFIX}*`);
    statements.push(new iam.PolicyStatement({ actions: documentActions, resources: [objects] }));
    acknowledge(
      fn.role,
      wildcardResourceFinding(fn, objects),
      'Protocol documents are keyed per meeting, version and SHA-256 at run time; the wildcard covers the meetings/ prefix of the one documents bucket only, with GetObject/PutObject and nothing else.',
    );
  }
  for (const statement of statements) fn.role.addToPolicy(statement);
}
