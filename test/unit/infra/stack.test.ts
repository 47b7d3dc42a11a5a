import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Match } from 'aws-cdk-lib/assertions';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlers, taskHandlers, type Grant, type HandlerSpec } from '../../../functions/manifest.ts';
import { tableSchema } from '../../../functions/store/table.ts';
import { aslPlaceholders, readAsl, substitutionKey } from '../../../infra/asl.ts';
import { ESM_REQUIRE_BANNER, fontFilesToCopy, LAMBDA_RUNTIME, rendersPdf } from '../../../infra/functions.ts';
import { ADMIN_APP_CALLBACK_PATH, CALENDAR_HORIZON_METRIC, DISTRIBUTION_DEADLINE_METRIC } from '../../../infra/kvorum-stack.ts';
import { TABLE_GRANTS } from '../../../infra/table-grants.ts';
import { synthKvorum, testConfig, type Synthesized } from './support.ts';

let s: Synthesized;

beforeAll(() => {
  s = synthKvorum();
}, 240_000);

afterAll(() => s?.cleanup());

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const asArray = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** Invoked asynchronously (SNS, EventBridge), so the function has the dead-letter queue. */
const isAsynchronous = (spec: HandlerSpec): boolean => spec.kind === 'ses-events' || spec.kind === 'scheduled';

function functionOf(spec: HandlerSpec) {
  const f = s.stack.functions.get(spec.id);
  if (!f) throw new Error(`no function for ${spec.id}`);
  return f;
}

/** The staged bundle of a function: the S3 key is "<asset hash>.zip", the directory "asset.<hash>". */
function assetDir(spec: HandlerSpec): string {
  const key = functionResource(spec).Properties.Code.S3Key as string;
  return join(s.outdir, `asset.${key.replace(/\.zip$/, '')}`);
}

function functionResource(spec: HandlerSpec) {
  const id = s.logicalId(functionOf(spec).fn);
  const resource = s.json.Resources[id];
  if (!resource) throw new Error(`no resource ${id}`);
  return resource;
}

/** Every statement of every IAM policy attached to the role. */
function statementsOfRole(roleLogicalId: string): Statement[] {
  return Object.values(s.json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as unknown[]).some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
}

function statementsOf(spec: HandlerSpec): Statement[] {
  return statementsOfRole(s.logicalId(functionOf(spec).role));
}

function actionsOf(spec: HandlerSpec): Set<string> {
  return new Set(statementsOf(spec).flatMap((st) => asArray(st.Action)));
}

function resourcesFor(spec: HandlerSpec, action: string): unknown[] {
  return statementsOf(spec)
    .filter((st) => asArray(st.Action).includes(action))
    .flatMap((st) => asArray(st.Resource));
}

describe('DynamoDB table', () => {
  it('has the key schema and GSIs of functions/store/table.ts', () => {
    s.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: tableSchema.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: tableSchema.sortKey.name, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: tableSchema.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
  });

  it('is on-demand, with point-in-time recovery, deletion protection and AWS managed encryption, and is retained', () => {
    s.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        // SSEEnabled without a key id = the AWS managed aws/dynamodb key.
        SSESpecification: { SSEEnabled: true },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('Lambda functions', () => {
  it('uses the newest Node.js runtime aws-cdk-lib offers', () => {
    const versions = Object.keys(lambda.Runtime)
      .map((name) => /^NODEJS_(\d+)_X$/.exec(name)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number);
    const newest = Math.max(...versions);
    expect(LAMBDA_RUNTIME.name).toBe(`nodejs${newest}.x`);
    expect(LAMBDA_RUNTIME).toBe((lambda.Runtime as unknown as Record<string, lambda.Runtime>)[`NODEJS_${newest}_X`]);
  });

  it('creates exactly one function per manifest entry, and no other', () => {
    s.template.resourceCountIs('AWS::Lambda::Function', handlers.length);
    expect([...s.stack.functions.keys()].sort()).toEqual(handlers.map((h) => h.id).sort());
  });

  it.each(handlers.map((h) => [h.id, h] as const))('%s: ARM64, runtime, memory, timeout, JSON logs, tracing, own log group', (_id, spec) => {
    const props = functionResource(spec).Properties;
    expect(props).toMatchObject({
      Architectures: ['arm64'],
      Runtime: LAMBDA_RUNTIME.name,
      MemorySize: spec.memoryMb,
      Timeout: spec.timeoutSeconds,
      Description: spec.description,
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' },
    });
    const logGroupId = s.logicalId(functionOf(spec).logGroup);
    expect(props.LoggingConfig.LogGroup).toEqual({ Ref: logGroupId });
    expect(s.json.Resources[logGroupId]?.Properties.RetentionInDays).toBe(testConfig.logRetentionDays);
  });

  it.each(handlers.map((h) => [h.id, h] as const))('%s: environment', (_id, spec) => {
    const env = functionResource(spec).Properties.Environment.Variables;
    expect(env).toMatchObject({
      TABLE_NAME: s.resolve(s.stack.table.tableName),
      SENDER_ADDRESS: testConfig.senderAddress,
      PUBLIC_BASE_URL: s.resolve(s.stack.httpApi.apiEndpoint),
      LINK_SECRET_ARN: s.resolve(s.stack.linkSecret.secretArn),
      SES_CONFIGURATION_SET: s.resolve(s.stack.configurationSet.configurationSetName),
      GROUP_TIME_ZONE: 'Europe/Astrakhan',
    });
    // Source maps are opt-in (test/unit/infra/bundling.test.ts): none are loaded at run time by default.
    expect(env).not.toHaveProperty('NODE_OPTIONS');
    if (spec.grants.includes('sfn:start')) {
      expect(env.STATE_MACHINE_ARN).toBeDefined();
    } else {
      expect(env).not.toHaveProperty('STATE_MACHINE_ARN');
    }
    if (spec.grants.some((g) => g.startsWith('documents:'))) expect(env.DOCUMENTS_BUCKET).toEqual(s.resolve(s.stack.documentsBucket.bucketName));
    else expect(env).not.toHaveProperty('DOCUMENTS_BUCKET');
    if (rendersPdf(spec)) expect(env.PDF_FONT_DIR).toBe('/var/task');
    else expect(env).not.toHaveProperty('PDF_FONT_DIR');
  });

  it('gives STATE_MACHINE_ARN the ARN of the meeting state machine', () => {
    const admin = handlers.find((h) => h.grants.includes('sfn:start'));
    expect(admin).toBeDefined();
    const env = functionResource(admin!).Properties.Environment.Variables;
    const arn = JSON.stringify(env.STATE_MACHINE_ARN);
    expect(arn).toContain(`:stateMachine:${s.stack.stackName}-meeting`);
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: `${s.stack.stackName}-meeting` });
  });

  it('never puts the link-signing secret value (or any dynamic secret reference) into an environment', () => {
    for (const spec of handlers) {
      const env = JSON.stringify(functionResource(spec).Properties.Environment);
      expect(env).not.toMatch(/resolve:secretsmanager|SecretString/);
    }
    s.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
      SecretString: Match.absent(),
    });
  });

  it('bundles locally as minified ESM with a require banner, UTF-8 text, no source map, and the fonts for PDF renderers', () => {
    for (const spec of handlers) {
      const dir = assetDir(spec);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      // (Booleans, not matchers on `code`: a failure would print the whole bundle.)
      expect(/[А-Яа-яЁё]/.test(code), `${spec.id}: Russian text as UTF-8, not \\u escapes`).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map')), spec.id).toBe(false);
      // The SDK's credential chain is replaced by the environment credentials (functions/lib/lambda-credentials.ts).
      for (const chainOnly of ['AWS_WEB_IDENTITY_TOKEN_FILE', 'credential_process', 'sso_session']) expect(code.includes(chainOnly), `${spec.id} ${chainOnly}`).toBe(false);
      for (const font of fontFilesToCopy()) {
        expect(existsSync(join(dir, font)), `${spec.id} ${font}`).toBe(rendersPdf(spec));
      }
    }
    expect(['Distribute', 'MemberLinks', 'Admin'].every((name) => handlers.some((h) => (h.aslName ?? h.id) === name && rendersPdf(h)))).toBe(true);
  });

  it('bundles the PDF stack and each AWS client only where the function uses it (and holds the grant)', () => {
    // Strings each part leaves in a minified bundle.
    const parts: Array<{ marker: string; usedBy: (spec: HandlerSpec) => boolean }> = [
      { marker: '%PDF-', usedBy: rendersPdf },
      { marker: '"S3Client"', usedBy: (spec) => spec.grants.some((g) => g.startsWith('documents:')) },
      { marker: '"SFNClient"', usedBy: (spec) => spec.grants.some((g) => g.startsWith('sfn:')) },
      { marker: '"SecretsManagerClient"', usedBy: (spec) => spec.grants.includes('secret:read') },
    ];
    const mismatches: string[] = [];
    for (const spec of handlers) {
      const code = readFileSync(join(assetDir(spec), 'index.mjs'), 'utf8');
      for (const { marker, usedBy } of parts) {
        const bundled = code.includes(marker);
        if (bundled !== usedBy(spec)) mismatches.push(`${spec.id}: ${bundled ? 'bundles' : 'does not bundle'} ${marker} but ${bundled ? 'lacks' : 'holds'} the grant (or rendersPdf)`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('IAM: exactly the grants of the manifest and of infra/table-grants.ts', () => {
  const grantActions: Record<Exclude<Grant, 'table:read' | 'table:write'>, string[]> = {
    'ses:send': ['ses:SendEmail'],
    'sfn:start': ['states:StartExecution'],
    'sfn:callback': ['states:SendTaskSuccess'],
    'sfn:stop': ['states:StopExecution'],
    'secret:read': ['secretsmanager:GetSecretValue'],
    'documents:read': ['s3:GetObject'],
    'documents:write': ['s3:PutObject'],
  };
  const baseline = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

  it.each(handlers.map((h) => [h.id, h] as const))('%s has its grants and nothing more', (_id, spec) => {
    const expected = new Set([
      ...baseline,
      ...spec.grants.flatMap((g) => (g === 'table:read' || g === 'table:write' ? [] : grantActions[g])),
      ...(TABLE_GRANTS[spec.id]?.actions ?? []).map((a) => `dynamodb:${a}`),
      // The asynchronously invoked SesEvents and scheduled functions write failed events to the dead-letter queue.
      ...(isAsynchronous(spec) ? ['sqs:SendMessage'] : []),
    ]);
    expect([...actionsOf(spec)].sort()).toEqual([...expected].sort());
  });

  it('grants no function Scan, BatchWriteItem outside group partitions, or DeleteItem outside meeting partitions', () => {
    for (const spec of handlers) {
      const statements = statementsOf(spec);
      expect(statements.some((st) => asArray(st.Action).some((a) => a === 'dynamodb:Scan' || a === 'dynamodb:*'))).toBe(false);
      for (const st of statements.filter((st) => asArray(st.Action).some((a) => a === 'dynamodb:DeleteItem' || a === 'dynamodb:BatchWriteItem'))) {
        expect(asArray(st.Action), spec.id).toHaveLength(1);
        const partitions = (st as Statement & { Condition?: any }).Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] as string[] | undefined;
        expect(partitions, `${spec.id} ${String(st.Action)} limited by dynamodb:LeadingKeys`).toBeDefined();
        const allowed = st.Action === 'dynamodb:DeleteItem' ? /^MEETING#/ : /^GROUP#/;
        expect(partitions!.every((p) => allowed.test(p)), spec.id).toBe(true);
      }
    }
  });

  it('lets the read-only LoadMeeting and the public MemberLinks roles neither scan nor write in bulk', () => {
    const loadMeeting = handlers.find((h) => h.id === 'LoadMeetingTask')!;
    expect([...actionsOf(loadMeeting)].filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    const links = handlers.find((h) => h.id === 'MemberLinks')!;
    expect([...actionsOf(links)].filter((a) => /BatchWrite|Scan/.test(a))).toEqual([]);
  });

  it('lets only the asynchronously invoked functions (SesEvents, scheduled) send to the dead-letter queue, and only to it', () => {
    for (const spec of handlers) {
      const resources = resourcesFor(spec, 'sqs:SendMessage');
      expect(resources).toEqual(isAsynchronous(spec) ? [s.resolve(s.stack.deadLetterQueue.queueArn)] : []);
    }
  });

  it('uses no managed policies on function roles (no AWSLambdaBasicExecutionRole)', () => {
    for (const spec of handlers) {
      const role = s.json.Resources[s.logicalId(functionOf(spec).role)];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('scopes logs to the function’s own log group', () => {
    for (const spec of handlers) {
      expect(resourcesFor(spec, 'logs:PutLogEvents')).toEqual([s.resolve(functionOf(spec).logGroup.logGroupArn)]);
    }
  });

  it('scopes table access to the one table, and index queries to the GSIs each function lists', () => {
    const tableArn = s.resolve(s.stack.table.tableArn);
    for (const spec of handlers) {
      const grant = TABLE_GRANTS[spec.id];
      for (const action of grant?.actions ?? []) expect(resourcesFor(spec, `dynamodb:${action}`), `${spec.id} ${action}`).toContainEqual(tableArn);
      const indexResources = resourcesFor(spec, 'dynamodb:Query').filter((r) => JSON.stringify(r) !== JSON.stringify(tableArn));
      expect(indexResources.map((r) => JSON.stringify(r).match(/\/index\/([\w-]+)/)?.[1]).sort(), spec.id).toEqual([...(grant?.indexes ?? [])].sort());
    }
  });

  it('scopes ses:SendEmail to the domain identity, the sender address identity and the configuration set', () => {
    for (const spec of handlers.filter((h) => h.grants.includes('ses:send'))) {
      const resources = resourcesFor(spec, 'ses:SendEmail').map((r) => JSON.stringify(r));
      expect(resources).toHaveLength(3);
      expect(resources.some((r) => r.includes(`:identity/${testConfig.domain}"`))).toBe(true);
      expect(resources.some((r) => r.includes(`:identity/${testConfig.senderAddress}"`))).toBe(true);
      expect(resources.some((r) => r.includes(':configuration-set/') && r.includes(JSON.stringify(s.resolve(s.stack.configurationSet.configurationSetName))))).toBe(true);
    }
  });

  it('scopes Step Functions actions to the meeting state machine (and its executions for StopExecution)', () => {
    const smName = `${s.stack.stackName}-meeting`;
    for (const spec of handlers) {
      for (const action of ['states:StartExecution', 'states:SendTaskSuccess']) {
        for (const r of resourcesFor(spec, action)) expect(JSON.stringify(r)).toContain(`:stateMachine:${smName}`);
      }
      for (const r of resourcesFor(spec, 'states:StopExecution')) expect(JSON.stringify(r)).toContain(`:execution:${smName}:*`);
    }
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: smName });
  });

  it('scopes document reads and writes to the meetings/ objects of the documents bucket', () => {
    const objects = s.resolve(s.stack.documentsBucket.arnForObjects('meetings/*'));
    for (const spec of handlers) {
      expect(resourcesFor(spec, 's3:GetObject'), spec.id).toEqual(spec.grants.includes('documents:read') ? [objects] : []);
      expect(resourcesFor(spec, 's3:PutObject'), spec.id).toEqual(spec.grants.includes('documents:write') ? [objects] : []);
    }
    // Exactly the functions that draft, show or distribute the protocol.
    const withDocuments = handlers.filter((h) => h.grants.some((g) => g.startsWith('documents:'))).map((h) => h.aslName ?? h.id);
    expect(withDocuments.sort()).toEqual(['Admin', 'Distribute', 'MemberLinks', 'RequestSignatures']);
  });

  it('scopes secretsmanager:GetSecretValue to the link-signing secret only', () => {
    for (const spec of handlers.filter((h) => h.grants.includes('secret:read'))) {
      expect(resourcesFor(spec, 'secretsmanager:GetSecretValue')).toEqual([s.resolve(s.stack.linkSecret.secretArn)]);
    }
  });
});

describe('S3: the documents bucket', () => {
  const bucketId = () => s.logicalId(s.stack.documentsBucket);
  const logsId = () => s.logicalId(s.stack.accessLogsBucket);

  it('has exactly the documents bucket and its access-log bucket', () => {
    s.template.resourceCountIs('AWS::S3::Bucket', 2);
  });

  it('is encrypted (SSE-S3), blocks every public access, is versioned, bucket-owner enforced and retained', () => {
    const bucket = s.json.Resources[bucketId()]!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: logsId() }, LogFilePrefix: 'documents/' },
    });
  });

  it('denies every request without TLS, on the bucket and its objects', () => {
    for (const id of [bucketId(), logsId()]) {
      const policy = Object.values(s.json.Resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && JSON.stringify(r.Properties.Bucket) === JSON.stringify({ Ref: id }));
      expect(policy, id).toBeDefined();
      const statements = policy!.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Resource: [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/*']] }],
        }),
      );
      // Nothing in the policy allows anyone in: the only Allow is S3's own log delivery.
      for (const st of statements.filter((x) => x.Effect === 'Allow')) expect(st.Principal).toEqual({ Service: 'logging.s3.amazonaws.com' });
    }
  });

  it('keeps the access logs encrypted, private, TLS-only and for the log retention period', () => {
    const logs = s.json.Resources[logsId()]!;
    expect(logs.DeletionPolicy).toBe('Retain');
    expect(logs.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: testConfig.logRetentionDays, Status: 'Enabled' })] },
    });
  });
});

describe('State machine', () => {
  const smResource = () => Object.values(s.json.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;

  it('is Standard, logs ALL without execution data, and traces with X-Ray', () => {
    s.template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
      },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('substitutes every task ARN of the manifest, and every placeholder of the ASL file has a substitution', () => {
    const substitutions = smResource().Properties.DefinitionSubstitutions as Record<string, unknown>;
    const expected = Object.fromEntries(taskHandlers.map((t) => [substitutionKey(t.aslName!), s.resolve(functionOf(t).fn.functionArn)]));
    expect(substitutions).toEqual(expected);
    expect(aslPlaceholders(readAsl())).toEqual(Object.keys(substitutions).sort());
  });

  it('may invoke exactly the task functions', () => {
    const roleId = s.logicalId(s.stack.stateMachine.role as never);
    const invoke = statementsOfRole(roleId).filter((st) => asArray(st.Action).some((a) => a.startsWith('lambda:')));
    expect(invoke).toHaveLength(1);
    expect(invoke[0]!.Action).toBe('lambda:InvokeFunction');
    const resources = asArray(invoke[0]!.Resource).map((r) => JSON.stringify(r)).sort();
    const expected = taskHandlers.map((t) => JSON.stringify(s.resolve(functionOf(t).fn.functionArn))).sort();
    expect(resources).toEqual(expected);
  });
});

describe('HTTP API', () => {
  const routes = () => Object.entries(s.json.Resources).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route');
  const integrationTarget = (route: { Properties?: any }) => {
    const integrationId = JSON.stringify(route.Properties.Target).match(/"Ref":"([^"]+)"/)?.[1];
    return s.json.Resources[integrationId!]!.Properties.IntegrationUri;
  };

  it('has the public member-link routes and the admin route, and no other', () => {
    expect(routes().map(([, r]) => r.Properties.RouteKey).sort()).toEqual(['ANY /admin/{proxy+}', 'GET /l/{token}', 'POST /l/{token}']);
  });

  it('sends /l/{token} to MemberLinks without an authorizer', () => {
    const memberLinks = handlers.find((h) => h.kind === 'http-public')!;
    for (const [, route] of routes().filter(([, r]) => (r.Properties.RouteKey as string).endsWith('/l/{token}'))) {
      expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
      expect(route.Properties.AuthorizerId).toBeUndefined();
      expect(integrationTarget(route)).toEqual(s.resolve(functionOf(memberLinks).fn.functionArn));
    }
  });

  it('puts the admin route behind a Cognito JWT authorizer and sends it to Admin', () => {
    const admin = handlers.find((h) => h.kind === 'http-admin')!;
    const [, route] = routes().find(([, r]) => r.Properties.RouteKey === 'ANY /admin/{proxy+}')!;
    expect(route.Properties.AuthorizationType).toBe('JWT');
    const authorizerId = route.Properties.AuthorizerId.Ref as string;
    const authorizer = s.json.Resources[authorizerId]!;
    expect(authorizer.Type).toBe('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      JwtConfiguration: { Audience: [s.resolve(s.stack.userPoolClient.userPoolClientId)] },
    });
    expect(JSON.stringify(authorizer.Properties.JwtConfiguration.Issuer)).toContain(JSON.stringify(s.resolve(s.stack.userPool.userPoolId)));
    expect(JSON.stringify(authorizer.Properties.JwtConfiguration.Issuer)).toContain('https://cognito-idp.');
    expect(integrationTarget(route)).toEqual(s.resolve(functionOf(admin).fn.functionArn));
  });

  it('throttles member links and the admin each on their own routes, and writes JSON access logs without the token-bearing path', () => {
    const links = { ThrottlingRateLimit: testConfig.throttle.links.rateLimit, ThrottlingBurstLimit: testConfig.throttle.links.burstLimit };
    const admin = { ThrottlingRateLimit: testConfig.throttle.admin.rateLimit, ThrottlingBurstLimit: testConfig.throttle.admin.burstLimit };
    const routeKeys = Object.values(s.json.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties.RouteKey as string);
    const expectedSettings = Object.fromEntries(routeKeys.map((key) => [key, key.includes('/admin/') ? admin : links]));
    expect(routeKeys.filter((key) => key.includes('/admin/')).length).toBeGreaterThan(0);
    expect(routeKeys.filter((key) => key.includes('/l/')).length).toBeGreaterThan(0);
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: links,
      RouteSettings: expectedSettings,
      AccessLogSettings: { DestinationArn: s.resolve(s.stack.apiAccessLogGroup.logGroupArn), Format: Match.anyValue() },
    });
    const stage = Object.values(s.json.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format as string) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(format.routeKey).toBe('$context.routeKey');
    expect(stage.Properties.AccessLogSettings.Format).not.toContain('$context.path');
  });
});

describe('Cognito', () => {
  it('signs the admins in through managed login: a Cognito domain, the code flow with PKCE (public client), callback to the app', () => {
    const endpoint = s.resolve(s.stack.httpApi.apiEndpoint);
    s.template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      UserPoolId: s.resolve(s.stack.userPool.userPoolId),
      ManagedLoginVersion: 2,
      Domain: { 'Fn::Join': ['', ['kvorum-', { Ref: 'AWS::AccountId' }]] },
    });
    s.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: Match.arrayWith(['openid', 'email', 'profile']),
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: [{ 'Fn::Join': ['', [endpoint, ADMIN_APP_CALLBACK_PATH]] }],
      LogoutURLs: [{ 'Fn::Join': ['', [endpoint, '/admin/']] }],
    });
    const client = Object.values(s.json.Resources).find((r) => r.Type === 'AWS::Cognito::UserPoolClient')!;
    expect(client.Properties.AllowedOAuthFlows).not.toContain('implicit');
    s.template.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', { UseCognitoProvidedValues: true, ClientId: s.resolve(s.stack.userPoolClient.userPoolClientId) });
    s.template.hasOutput('AdminLoginUrl', Match.anyValue());
  });

  it('lets no admin change their own e-mail (the roster matches admins by it): the client writes only locale', () => {
    s.template.hasResourceProperties('AWS::Cognito::UserPoolClient', { WriteAttributes: ['locale'] });
  });

  it('has a user pool without self sign-up, with a strong password policy, TOTP MFA required and threat protection', () => {
    s.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: Match.anyValue(),
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    const pool = Object.values(s.json.Resources).find((r) => r.Type === 'AWS::Cognito::UserPool')!;
    expect(pool.Properties.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
  });

  it('has the groups chair and secretary', () => {
    s.template.resourceCountIs('AWS::Cognito::UserPoolGroup', 2);
    for (const group of ['chair', 'secretary']) s.template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: group });
  });

  it('creates the first admin users and puts each into its group', () => {
    s.template.resourceCountIs('AWS::Cognito::UserPoolUser', testConfig.adminUsers.length);
    for (const user of testConfig.adminUsers) {
      s.template.hasResourceProperties('AWS::Cognito::UserPoolUser', {
        Username: user.email,
        DesiredDeliveryMediums: ['EMAIL'],
        UserAttributes: Match.arrayWith([{ Name: 'email', Value: user.email }]),
      });
      const [userId] = Object.entries(s.json.Resources).find(([, r]) => r.Type === 'AWS::Cognito::UserPoolUser' && r.Properties.Username === user.email)!;
      s.template.hasResourceProperties('AWS::Cognito::UserPoolUserToGroupAttachment', { GroupName: user.group, Username: { Ref: userId } });
    }
  });

  it('has a public (secretless) admin client using SRP', () => {
    s.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH']),
    });
  });
});

describe('SES v2', () => {
  it('has the domain identity using the configuration set', () => {
    s.template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: testConfig.domain,
      ConfigurationSetAttributes: { ConfigurationSetName: s.resolve(s.stack.configurationSet.configurationSetName) },
    });
  });

  it('suppresses bounces and complaints', () => {
    s.template.hasResourceProperties('AWS::SES::ConfigurationSet', { SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] } });
  });

  it('sends bounce and complaint events to an encrypted topic that feeds SesEvents (with a DLQ)', () => {
    const topicRef = s.resolve(s.stack.sesEventsTopic.topicArn);
    s.template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({ MatchingEventTypes: ['bounce', 'complaint'], SnsDestination: { TopicARN: topicRef } }),
    });
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue(), DisplayName: 'Kvorum SES bounces and complaints' });
    const sesEvents = handlers.find((h) => h.kind === 'ses-events')!;
    s.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: topicRef,
      Endpoint: s.resolve(functionOf(sesEvents).fn.functionArn),
      RedrivePolicy: { deadLetterTargetArn: s.resolve(s.stack.deadLetterQueue.queueArn) },
    });
    expect(functionResource(sesEvents).Properties.DeadLetterConfig).toEqual({ TargetArn: s.resolve(s.stack.deadLetterQueue.queueArn) });
  });

  it('lets SES publish to the topic and use its key', () => {
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'ses.amazonaws.com' } })]) },
    });
    s.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'ses.amazonaws.com' } })]) },
    });
  });
});

describe('Production calendar check (daily schedule, OpsEmail, alarm)', () => {
  const calendarCheck = () => {
    const spec = handlers.find((h) => h.id === 'CalendarCheck');
    if (!spec) throw new Error('no CalendarCheck in the manifest');
    return spec;
  };
  const rules = () => Object.entries(s.json.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule');

  it('is a scheduled manifest entry with only the send ledger and SES grants', () => {
    const spec = calendarCheck();
    expect(spec).toMatchObject({ kind: 'scheduled', entry: 'functions/handlers/calendar-check.ts', schedule: 'cron(0 5 * * ? *)' });
    expect([...spec.grants].sort()).toEqual(['ses:send', 'table:read', 'table:write']);
    expect(handlers.filter((h) => h.kind === 'scheduled').map((h) => h.id).sort()).toEqual(['CalendarCheck', 'SecretaryDigest']);
  });

  it.each(['CalendarCheck', 'SecretaryDigest'])('runs %s every day from its own EventBridge rule, with retries and the dead-letter queue', (id) => {
    const spec = handlers.find((h) => h.id === id)!;
    expect(rules()).toHaveLength(2);
    const fnArn = s.resolve(functionOf(spec).fn.functionArn);
    const rule = rules().find(([, r]) => JSON.stringify(r.Properties.Targets).includes(JSON.stringify(fnArn)));
    expect(rule, id).toBeDefined();
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: spec.schedule,
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: fnArn,
          DeadLetterConfig: { Arn: s.resolve(s.stack.deadLetterQueue.queueArn) },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600 },
        }),
      ],
    });
    // Every day: minute and hour fixed, every day of month, month and year.
    const expression = rule![1].Properties.ScheduleExpression as string;
    expect(expression).toMatch(/^cron\(\d+ \d+ \* \* \? \*\)$/);
    // EventBridge may invoke exactly this function, from exactly this rule.
    const [ruleId] = rule!;
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: fnArn,
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
    // Failed asynchronous invocations of the function itself end in the dead-letter queue too.
    expect(functionResource(spec).Properties.DeadLetterConfig).toEqual({ TargetArn: s.resolve(s.stack.deadLetterQueue.queueArn) });
  });

  it('has the stack parameter OpsEmail (optional, an address or empty), which reaches the function as OPS_EMAIL', () => {
    s.template.hasParameter('OpsEmail', { Type: 'String', Default: '', AllowedPattern: Match.stringLikeRegexp('@') });
    const pattern = new RegExp(s.template.toJSON().Parameters.OpsEmail.AllowedPattern as string);
    expect(pattern.test('')).toBe(true);
    expect(pattern.test('ops@example.org')).toBe(true);
    expect(pattern.test('not an address')).toBe(false);
    const env = functionResource(calendarCheck()).Properties.Environment.Variables;
    expect(env.OPS_EMAIL).toEqual({ Ref: 'OpsEmail' });
    expect(s.resolve(s.stack.opsEmail.valueAsString)).toEqual({ Ref: 'OpsEmail' });
    // The tasks that meet a year without data tell ops too (deps.opsAddress), so every function has it.
    for (const spec of handlers) expect(functionResource(spec).Properties.Environment.Variables.OPS_EMAIL, spec.id).toEqual({ Ref: 'OpsEmail' });
  });

  it('alarms when the calendar check warns (custom EMF metric, no dimensions, ≥ 1 in a day)', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Kvorum',
      MetricName: 'CalendarHorizonWarning',
      Dimensions: Match.absent(),
      Statistic: 'Sum',
      Period: 86_400,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [s.resolve(s.stack.alarmTopic.topicArn)],
    });
    expect(CALENDAR_HORIZON_METRIC).toEqual({ namespace: 'Kvorum', metricName: 'CalendarHorizonWarning' });
  });
});

describe('Alarms and outputs', () => {
  const alarms = () => Object.values(s.json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
  const alarmTopicRef = () => s.resolve(s.stack.alarmTopic.topicArn);

  it('alarms on executions aborted other than by a cancel or move (which the Admin function counts)', () => {
    const aborted = alarms().find((a) => JSON.stringify(a.Properties.Metrics ?? []).includes('ExecutionsAborted'));
    expect(aborted).toBeDefined();
    const metrics = aborted!.Properties.Metrics as Array<Record<string, any>>;
    expect(metrics.find((m) => m.ReturnData !== false)?.Expression).toBe('aborted - FILL(stopped, 0)');
    expect(metrics.find((m) => m.Id === 'stopped')?.MetricStat.Metric).toMatchObject({ Namespace: 'Kvorum', MetricName: 'MeetingExecutionsStopped' });
    expect(metrics.find((m) => m.Id === 'aborted')?.MetricStat.Metric).toMatchObject({ Namespace: 'AWS/States', MetricName: 'ExecutionsAborted' });
    expect(aborted!.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', AlarmActions: [alarmTopicRef()] });
  });

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut'])('alarms on %s meeting executions', (metric) => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: metric,
      Dimensions: [{ Name: 'StateMachineArn', Value: s.resolve(s.stack.stateMachine.stateMachineArn) }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [alarmTopicRef()],
    });
  });

  it('alarms on the Errors of each function', () => {
    for (const spec of handlers) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: s.resolve(functionOf(spec).fn.functionName) }],
        AlarmActions: [alarmTopicRef()],
      });
    }
  });

  it('alarms when the distribution deadline is missed (custom EMF metric, no dimensions, ≥ 1)', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: DISTRIBUTION_DEADLINE_METRIC.namespace,
      MetricName: DISTRIBUTION_DEADLINE_METRIC.metricName,
      Dimensions: Match.absent(),
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [alarmTopicRef()],
    });
    expect(DISTRIBUTION_DEADLINE_METRIC).toEqual({ namespace: 'Kvorum', metricName: 'DistributionDeadlineMissed' });
  });

  it('sends every alarm to the encrypted alarm topic, which has the optional e-mail subscription', () => {
    for (const alarm of alarms()) expect(alarm.Properties.AlarmActions).toEqual([alarmTopicRef()]);
    s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: testConfig.alarmEmail, TopicArn: alarmTopicRef() });
    s.template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'Kvorum alarms', KmsMasterKeyId: Match.anyValue() });
  });

  it('outputs ApiUrl, AdminUrl, UserPoolId and UserPoolClientId', () => {
    const endpoint = s.resolve(s.stack.httpApi.apiEndpoint);
    s.template.hasOutput('ApiUrl', { Value: endpoint });
    s.template.hasOutput('AdminUrl', { Value: { 'Fn::Join': ['', [endpoint, '/admin/']] } });
    s.template.hasOutput('UserPoolId', { Value: s.resolve(s.stack.userPool.userPoolId) });
    s.template.hasOutput('UserPoolClientId', { Value: s.resolve(s.stack.userPoolClient.userPoolClientId) });
  });
});

describe('cdk-nag (AwsSolutions and Serverless packs, run on synth)', () => {
  it('reports no unacknowledged error or warning', () => {
    const findings = s.report.pluginReports.flatMap((p) =>
      p.violations.map((v) => `${p.pluginName} ${v.severity} ${v.ruleName}: ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`),
    );
    expect(findings).toEqual([]);
  });

  it('gives every acknowledgement a specific reason', () => {
    const acknowledgements: Array<{ path: string; id: string; reason: string }> = [];
    for (const construct of s.stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
        for (const [id, value] of Object.entries(entry.data as Record<string, unknown>)) {
          const reason = typeof value === 'string' ? value : ((value as { reason?: string }).reason ?? JSON.stringify(value));
          acknowledgements.push({ path: construct.node.path, id, reason });
        }
      }
    }
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const a of acknowledgements) expect(a.reason.length, `${a.path} ${a.id}`).toBeGreaterThan(40);
    // No blanket acknowledgement of a whole rule at the stack level.
    expect(acknowledgements.filter((a) => a.path === s.stack.node.path)).toEqual([]);
  });
});
