/**
 * One NodejsFunction per entry of functions/manifest.ts, bundled locally with esbuild (no Docker),
 * and the mapping of the manifest's grants to least-privilege IAM statements.
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
      description: `Kvorum ${spec.id}: ${spec.grants.join(', ') || 'no data grants'}`,
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

/** Applies the manifest's grants, and nothing else, to the function's role. */
export function applyGrants(fn: KvorumFunction, targets: GrantTargets): void {
  const grants = new Set<Grant>(fn.spec.grants);
  const { table } = targets;
  if (grants.has('table:read') && grants.has('table:write')) table.grantReadWriteData(fn.fn);
  else if (grants.has('table:read')) table.grantReadData(fn.fn);
  else if (grants.has('table:write')) table.grantWriteData(fn.fn);
  if (grants.has('table:read') || grants.has('table:write')) {
    acknowledge(
      fn.role,
      wildcardResourceFinding(fn, `${table.tableArn}/index/*`),
      'Queries on the GSIs of the one Kvorum table (gsi1 listings, gsi2 active meetings) need its index ARNs; no other table is granted.',
    );
  }

  const statements: iam.PolicyStatement[] = [];
  if (grants.has('ses:send')) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [...targets.sesIdentityArns, targets.sesConfigurationSetArn],
      }),
    );
  }
  if (grants.has('sfn:start')) {
    statements.push(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [targets.stateMachineArn] }));
  }
  if (grants.has('sfn:callback')) {
    // Task-token callbacks are authorised against the state machine that issued the token.
    statements.push(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: [targets.stateMachineArn],
      }),
    );
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
