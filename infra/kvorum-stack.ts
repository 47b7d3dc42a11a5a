/**
 * The AWS stack of Kvorum: the handler functions of functions/manifest.ts, one DynamoDB table,
 * the meeting state machine (workflows/meeting.asl.json), the HTTP API (member links, admin),
 * Cognito for the chair and the secretary, SES v2 sending with bounce/complaint events, the
 * link-signing secret, the daily production calendar check (EventBridge), and alarms.
 */
import { ArnFormat, Aws, CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { CALENDAR_HORIZON_METRIC } from '../functions/app/calendar-check.ts';
import { STOPPED_EXECUTIONS_METRIC } from '../functions/app/steps/execution.ts';
import { handlers as manifestHandlers, type HandlerSpec } from '../functions/manifest.ts';
import { tableSchema, type KeyType } from '../functions/store/table.ts';
import { ASL_PATH, aslNameOf, substitutionKey } from './asl.ts';
import { ADMIN_GROUPS, type KvorumConfig, type Throttle } from './config.ts';
import { applyGrants, KvorumFunction } from './functions.ts';
import { acknowledge } from './nag.ts';

export interface KvorumStackProps extends StackProps {
  config: KvorumConfig;
  /** Defaults to functions/manifest.ts. */
  handlers?: HandlerSpec[];
  /** Defaults to workflows/meeting.asl.json. */
  aslPath?: string;
}

/** Custom metric the Distribute task emits (Embedded Metric Format, no dimensions) when п. 3.4's deadline passes. */
/** Where Cognito's managed login sends the chair and the secretary back with the authorization code. */
export const ADMIN_APP_CALLBACK_PATH = '/admin/callback';

export const DISTRIBUTION_DEADLINE_METRIC = { namespace: 'Kvorum', metricName: 'DistributionDeadlineMissed' } as const;

/** Custom metric the CalendarCheck function emits (EMF, no dimensions) while the production calendar ends within 90 days or a provisional year is in use. */
export { CALENDAR_HORIZON_METRIC };

const attributeType: Record<KeyType, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

export class KvorumStack extends Stack {
  readonly table: dynamodb.Table;
  readonly functions = new Map<string, KvorumFunction>();
  readonly stateMachine: sfn.StateMachine;
  readonly httpApi: apigwv2.HttpApi;
  readonly apiStage: apigwv2.HttpStage;
  readonly apiAccessLogGroup: logs.LogGroup;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly userPoolDomain: cognito.UserPoolDomain;
  readonly linkSecret: secretsmanager.Secret;
  /** Protocol documents (every signable version, the signed PDF and HTML): private, encrypted, TLS-only. */
  readonly documentsBucket: s3.Bucket;
  /** Server access logs of the documents bucket. */
  readonly accessLogsBucket: s3.Bucket;
  readonly configurationSet: ses.ConfigurationSet;
  readonly emailIdentity: ses.EmailIdentity;
  readonly sesEventsTopic: sns.Topic;
  readonly alarmTopic: sns.Topic;
  readonly deadLetterQueue: sqs.Queue;
  /** Stack parameter: who is told when the production calendar runs out (env OPS_EMAIL; empty: nobody, metric and alarm only). */
  readonly opsEmail: CfnParameter;
  /** The EventBridge schedules of the `scheduled` handlers, by handler id. */
  readonly schedules = new Map<string, events.Rule>();

  constructor(scope: Construct, id: string, props: KvorumStackProps) {
    super(scope, id, props);
    const { config } = props;
    const handlers = props.handlers ?? manifestHandlers;
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    // A parameter, not context: the address can change with a stack update, without a new synth.
    this.opsEmail = new CfnParameter(this, 'OpsEmail', {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
      constraintDescription: 'an e-mail address, or empty',
      description:
        'Who runs Kvorum: e-mailed (at most once a week) when the production calendar ends within 90 days or a provisional year is in use, and when a deadline needs a year without data. Empty: metric and alarm only.',
    });

    // ---- Data -------------------------------------------------------------------------------
    // AWS managed key (aws/dynamodb): encrypted at rest, every use logged in CloudTrail, no key
    // policy to maintain and no $1/month per customer key; nothing here needs key revocation or
    // cross-account sharing, the reasons to pick a customer managed key.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: tableSchema.partitionKey.name, type: attributeType[tableSchema.partitionKey.type] },
      sortKey: { name: tableSchema.sortKey.name, type: attributeType[tableSchema.sortKey.type] },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of tableSchema.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: attributeType[index.partitionKey.type] },
        sortKey: { name: index.sortKey.name, type: attributeType[index.sortKey.type] },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    // One random value signs member links; functions get its ARN only (never the value).
    this.linkSecret = new secretsmanager.Secret(this, 'LinkSigningSecret', {
      description: 'Kvorum: HMAC key that signs member links',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.linkSecret,
      'AwsSolutions-SMG4',
      'Rotating the link-signing key would invalidate every link already e-mailed for running meetings (ballots, signatures); it is rotated by hand between meetings (README, "Rotating the link-signing secret").',
    );

    // ---- Protocol documents ------------------------------------------------------------------
    // S3-managed keys (SSE-S3): encrypted at rest with no key policy to keep; access is governed by
    // the bucket policy and the functions' grants. Versioned, so even an overwrite or delete of a
    // content-addressed key keeps the bytes that were signed; retained when the stack goes.
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(config.logRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.accessLogsBucket,
      'AwsSolutions-S1',
      'This bucket receives the server access logs of the documents bucket; logging its own access would only log the log delivery.',
    );
    this.documentsBucket = new s3.Bucket(this, 'DocumentsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'documents/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- Notifications: one customer managed key, because SES and CloudWatch must be able to
    // publish to the encrypted topics and the AWS managed aws/sns key cannot grant them that.
    const notificationsKey = new kms.Key(this, 'NotificationsKey', {
      description: 'Kvorum: encrypts the SES events and alarm topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const service of ['ses.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      notificationsKey.addToResourcePolicy(
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          principals: [new iam.ServicePrincipal(service)],
          resources: ['*'], // in a key policy "*" means this key
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }

    this.sesEventsTopic = new sns.Topic(this, 'SesEventsTopic', {
      displayName: 'Kvorum SES bounces and complaints',
      masterKey: notificationsKey,
      enforceSSL: true,
    });
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Kvorum alarms',
      masterKey: notificationsKey,
      enforceSSL: true,
    });
    // A topic policy replaces the default one, so CloudWatch alarms need an explicit allow.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );

    // Failed asynchronous deliveries (SNS → SesEvents, SNS → alarm e-mail) end here instead of being lost.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, 'Serverless-SQSRedrivePolicy', 'This queue is itself the dead-letter queue; a redrive policy on it would only move messages to yet another queue.');
    if (config.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail, { deadLetterQueue: this.deadLetterQueue }));
    }

    // ---- SES v2 ---------------------------------------------------------------------------
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
      sendingEnabled: true,
    });
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: ses.EventDestination.snsTopic(this.sesEventsTopic),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    this.emailIdentity = new ses.EmailIdentity(this, 'EmailIdentity', {
      identity: ses.Identity.domain(config.domain),
      configurationSet: this.configurationSet,
    });
    // SES authorises a send against the most specific verified identity of the From address: the
    // domain, or the address itself if someone also verified it; allow both (both are ours).
    const sesIdentityArns = [config.domain, config.senderAddress].map((name) =>
      this.formatArn({ service: 'ses', resource: 'identity', resourceName: name }),
    );
    const sesConfigurationSetArn = this.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    // ---- State machine name and ARNs, known before the functions exist ----------------------
    // Built from the name, not from the resource, so a task granted sfn:callback does not make
    // the state machine (which references the task) depend on itself.
    const stateMachineName = `${this.stackName}-meeting`;
    const stateMachineArn = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const stateMachineExecutionsArn = this.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    // ---- HTTP API (created before the functions: they get its URL; it does not depend on them)
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Kvorum: member links and the chair/secretary endpoint',
      createDefaultStage: false,
    });
    const publicBaseUrl = this.httpApi.apiEndpoint;

    // ---- Functions ------------------------------------------------------------------------
    const commonEnvironment: Record<string, string> = {
      TABLE_NAME: this.table.tableName,
      SENDER_ADDRESS: config.senderAddress,
      PUBLIC_BASE_URL: publicBaseUrl,
      LINK_SECRET_ARN: this.linkSecret.secretArn,
      SES_CONFIGURATION_SET: this.configurationSet.configurationSetName,
      GROUP_TIME_ZONE: config.groupTimeZone,
      // Every function that may tell ops (the calendar check; tasks that meet a year without data).
      OPS_EMAIL: this.opsEmail.valueAsString,
    };
    for (const spec of handlers) {
      const environment = { ...commonEnvironment };
      if (spec.grants.includes('sfn:start')) environment.STATE_MACHINE_ARN = stateMachineArn;
      if (spec.grants.includes('documents:read') || spec.grants.includes('documents:write')) environment.DOCUMENTS_BUCKET = this.documentsBucket.bucketName;
      // Invoked asynchronously (SNS, EventBridge): failed events go to the dead-letter queue.
      const asynchronous = spec.kind === 'ses-events' || spec.kind === 'scheduled';
      const fn = new KvorumFunction(this, spec.id, {
        spec,
        environment,
        logRetention,
        applicationLogLevel: lambda.ApplicationLogLevel.INFO,
        ...(asynchronous ? { deadLetterQueue: this.deadLetterQueue } : {}),
      });
      applyGrants(fn, {
        table: this.table,
        sesIdentityArns,
        sesConfigurationSetArn,
        stateMachineArn,
        stateMachineExecutionsArn,
        linkSecret: this.linkSecret,
        documentsBucket: this.documentsBucket,
      });
      this.functions.set(spec.id, fn);
    }
    for (const fn of this.functionsOfKind('ses-events')) {
      this.sesEventsTopic.addSubscription(new subscriptions.LambdaSubscription(fn.fn, { deadLetterQueue: this.deadLetterQueue }));
    }
    for (const fn of this.functionsOfKind('scheduled')) {
      if (!fn.spec.schedule) throw new Error(`${fn.spec.id}: a scheduled handler needs a schedule`);
      const rule = new events.Rule(this, `${fn.spec.id}Schedule`, {
        description: `Kvorum: runs ${fn.spec.id} (${fn.spec.schedule})`,
        schedule: events.Schedule.expression(fn.spec.schedule),
      });
      rule.addTarget(
        new eventsTargets.LambdaFunction(fn.fn, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
        }),
      );
      this.schedules.set(fn.spec.id, rule);
    }

    // ---- State machine --------------------------------------------------------------------
    const tasks = handlers.filter((h) => h.kind === 'task');
    const definitionSubstitutions: Record<string, string> = {};
    for (const spec of tasks) definitionSubstitutions[substitutionKey(aslNameOf(spec))] = this.fn(spec.id).functionArn;
    const stateMachineLogGroup = new logs.LogGroup(this, 'StateMachineLogGroup', {
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      retention: logRetention,
    });
    this.stateMachine = new sfn.StateMachine(this, 'MeetingStateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(props.aslPath ?? ASL_PATH),
      definitionSubstitutions,
      // ALL events but no execution data: task tokens and e-mail addresses never reach the logs.
      logs: { destination: stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    // Invoke exactly the task functions, unqualified ARNs only (the ASL uses those).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: tasks.map((spec) => this.fn(spec.id).functionArn),
      }),
    );
    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'CloudWatch Logs delivery (logs:CreateLogDelivery, …) and X-Ray (xray:PutTraceSegments, …) actions that Step Functions logging and tracing need support no resource-level permissions.',
    );

    // ---- Cognito: the chair and the secretary ---------------------------------------------
    // MFA required (TOTP, no SMS): admins convene and cancel meetings and edit the protocol, so
    // a leaked password alone must not be enough; TOTP costs nothing and needs no SMS role.
    // Plus feature plan for threat protection (compromised credentials, adaptive auth): a few
    // admin users cost cents a month.
    this.userPool = new cognito.UserPool(this, 'AdminUserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const groups = new Map<string, cognito.CfnUserPoolGroup>();
    for (const group of ADMIN_GROUPS) {
      groups.set(
        group,
        new cognito.CfnUserPoolGroup(this, `Group-${group}`, {
          userPoolId: this.userPool.userPoolId,
          groupName: group,
          description: group === 'chair' ? 'Председатель рабочей группы' : 'Секретарь рабочей группы',
        }),
      );
    }
    this.userPoolClient = this.userPool.addClient('AdminClient', {
      authFlows: { userSrp: true },
      // The roster matches admins by e-mail: a user must not change their own (UpdateUserAttributes
      // with their access token writes only these). One harmless attribute, because without a list
      // Cognito lets the client write every standard attribute. Admins change an address with
      // AdminUpdateUserAttributes (README «The first chair and secretary»).
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ locale: true }),
      generateSecret: false,
      preventUserExistenceErrors: true,
      // The admin app signs in through Cognito managed login: OAuth 2.0 authorization code with PKCE
      // (a public client, no secret; the app sends a code_challenge), back to the app on the same API.
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [`${publicBaseUrl}${ADMIN_APP_CALLBACK_PATH}`],
        logoutUrls: [`${publicBaseUrl}/admin/`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    // The managed login pages (newer UI), on a Cognito domain named after the account: one per account.
    this.userPoolDomain = this.userPool.addDomain('AdminLoginDomain', {
      cognitoDomain: { domainPrefix: `kvorum-${Aws.ACCOUNT_ID}` },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    new cognito.CfnManagedLoginBranding(this, 'AdminLoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.userPoolClient.userPoolClientId,
      useCognitoProvidedValues: true,
    });
    for (const user of config.adminUsers) {
      const cfnUser = new cognito.CfnUserPoolUser(this, `AdminUser-${user.email}`, {
        userPoolId: this.userPool.userPoolId,
        username: user.email,
        desiredDeliveryMediums: ['EMAIL'],
        userAttributes: [
          { name: 'email', value: user.email },
          { name: 'email_verified', value: 'true' },
        ],
      });
      const attachment = new cognito.CfnUserPoolUserToGroupAttachment(this, `AdminUserGroup-${user.email}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: user.group,
        username: cfnUser.ref,
      });
      attachment.addResourceDependency(groups.get(user.group)!);
    }

    // ---- HTTP API stage and routes --------------------------------------------------------
    this.apiAccessLogGroup = new logs.LogGroup(this, 'ApiAccessLogGroup', { retention: logRetention });
    this.apiStage = new apigwv2.HttpStage(this, 'ApiDefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      // Requests that match no route; every route has its own throttle below.
      throttle: { rateLimit: config.throttle.links.rateLimit, burstLimit: config.throttle.links.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.apiAccessLogGroup),
        // routeKey, never the path: member links carry their token in the path.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            httpMethod: '$context.httpMethod',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    // Each route its own throttle (stage RouteSettings): anonymous link traffic and the admin never
    // share a bucket. RouteSettings name route keys, so the stage is deployed after its routes.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    const throttleRoute = (route: apigwv2.HttpRoute, throttle: Throttle) => {
      const { routeKey } = route.node.defaultChild as apigwv2.CfnRoute;
      routeSettings[routeKey] = { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit };
      this.apiStage.node.addDependency(route);
    };
    for (const fn of this.functionsOfKind('http-public')) {
      const routes = this.httpApi.addRoutes({
        path: '/l/{token}',
        methods: [apigwv2.HttpMethod.GET, apigwv2.HttpMethod.POST],
        integration: new HttpLambdaIntegration(`${fn.spec.id}Integration`, fn.fn),
      });
      for (const route of routes) {
        throttleRoute(route, config.throttle.links);
        acknowledge(
          route,
          'AwsSolutions-APIG4',
          'Member links are capability URLs: the function verifies the signed token in the path (HMAC with the link-signing secret) before showing or changing anything; members have no accounts.',
        );
      }
    }
    const adminAuthorizer = new HttpJwtAuthorizer(
      'AdminJwtAuthorizer',
      `https://cognito-idp.${this.region}.${this.urlSuffix}/${this.userPool.userPoolId}`,
      { jwtAudience: [this.userPoolClient.userPoolClientId] },
    );
    for (const fn of this.functionsOfKind('http-admin')) {
      const routes = this.httpApi.addRoutes({
        path: '/admin/{proxy+}',
        methods: [apigwv2.HttpMethod.ANY],
        integration: new HttpLambdaIntegration(`${fn.spec.id}Integration`, fn.fn),
        authorizer: adminAuthorizer,
      });
      for (const route of routes) throttleRoute(route, config.throttle.admin);
    }
    (this.apiStage.node.defaultChild as apigwv2.CfnStage).routeSettings = routeSettings;

    // ---- Alarms ---------------------------------------------------------------------------
    const alarmAction = new cloudwatchActions.SnsAction(this.alarmTopic);
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string) => {
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(alarmAction);
      return a;
    };
    // An execution that failed, timed out or was aborted leaves its meeting stuck until someone resumes it.
    const executions = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    alarm(
      'MeetingExecutionsFailedAlarm',
      this.stateMachine.metricFailed(executions),
      'A meeting execution failed: the meeting is stuck until someone looks (see the RecordFailure e-mail), then resumes it through the admin API.',
    );
    alarm(
      'MeetingExecutionsTimedOutAlarm',
      this.stateMachine.metricTimedOut(executions),
      'A meeting execution timed out (its TimeoutSeconds, or the one year a Standard execution lives): the meeting is stuck; resume it through the admin API.',
    );
    // Cancelling or moving a meeting stops its execution on purpose, and the Admin function counts each
    // such stop (Kvorum/MeetingExecutionsStopped): only an abort beyond those alarms.
    alarm(
      'MeetingExecutionsAbortedAlarm',
      new cloudwatch.MathExpression({
        expression: 'aborted - FILL(stopped, 0)',
        usingMetrics: {
          aborted: this.stateMachine.metricAborted(executions),
          stopped: new cloudwatch.Metric({ ...STOPPED_EXECUTIONS_METRIC, ...executions }),
        },
        period: executions.period,
        label: 'Executions aborted by hand',
      }),
      'A meeting execution was aborted (StopExecution) other than by a cancel or move of the chair: someone stopped it by hand and the meeting is stuck; resume it through the admin API.',
    );
    for (const fn of this.functions.values()) {
      alarm(`${fn.spec.id}ErrorsAlarm`, fn.fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }), `${fn.spec.id} function errors.`);
    }
    alarm(
      'DistributionDeadlineMissedAlarm',
      new cloudwatch.Metric({
        ...DISTRIBUTION_DEADLINE_METRIC,
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      }),
      'The signed protocol was not distributed to every member in time (п. 3.4).',
    );
    alarm(
      'CalendarHorizonWarningAlarm',
      new cloudwatch.Metric({
        namespace: CALENDAR_HORIZON_METRIC.namespace,
        metricName: CALENDAR_HORIZON_METRIC.metricName,
        statistic: cloudwatch.Stats.SUM,
        period: Duration.days(1),
      }),
      'The production calendar ends within 90 days, or a provisional year is in use: add or confirm functions/calendar/data/<year>.json (README «Production calendar horizon warning»).',
    );
    alarm(
      'DeadLetterQueueAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      'An SES bounce/complaint event, a scheduled calendar check or an alarm e-mail could not be delivered and waits in the dead-letter queue.',
    );

    // ---- Outputs --------------------------------------------------------------------------
    new CfnOutput(this, 'ApiUrl', { value: publicBaseUrl, description: 'Base URL of the HTTP API (member links under /l/)' });
    new CfnOutput(this, 'AdminUrl', { value: `${publicBaseUrl}/admin/`, description: 'Chair and secretary endpoint' });
    new CfnOutput(this, 'AdminLoginUrl', { value: this.userPoolDomain.baseUrl(), description: 'Cognito managed login of the chair and the secretary (authorization code with PKCE)' });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
  }

  private fn(id: string): lambda.IFunction {
    const f = this.functions.get(id);
    if (!f) throw new Error(`No function ${id}`);
    return f.fn;
  }

  private functionsOfKind(kind: HandlerSpec['kind']): KvorumFunction[] {
    return [...this.functions.values()].filter((f) => f.spec.kind === kind);
  }
}
