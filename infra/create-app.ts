/**
 * Builds the CDK app: the Kvorum stack from context (or given config) and the cdk-nag 3 packs
 * (AwsSolutions and Serverless) as policy-validation plugins, which run on every synth.
 */
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { configFromContext, type KvorumConfig } from './config.ts';
import { KvorumStack } from './kvorum-stack.ts';

export const STACK_ID = 'Kvorum';

export interface CreateAppOptions {
  appProps?: AppProps;
  /** Overrides the context-derived configuration (tests). */
  config?: KvorumConfig;
  /** Stack id; defaults to "Kvorum". */
  stackId?: string;
}

export function createApp(options: CreateAppOptions = {}): { app: App; stack: KvorumStack } {
  // Also in cdk.json; set here too so every synth (the tests create the App without the CLI) uses
  // a bucket policy, not an ACL, for S3 server access log delivery (the log bucket enforces owner).
  const app = new App({ ...options.appProps, context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true, ...options.appProps?.context } });
  const config = options.config ?? configFromContext(app.node);
  const stack = new KvorumStack(app, options.stackId ?? STACK_ID, {
    config,
    env: { region: config.region, ...(config.account ? { account: config.account } : {}) },
    description: 'Kvorum: meetings of a municipal working group by e-mail',
  });
  addNagPacks(app);
  return { app, stack };
}

/** cdk-nag 3: the packs are policy-validation plugins; findings fail (errors) or show in the report. */
export function addNagPacks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
