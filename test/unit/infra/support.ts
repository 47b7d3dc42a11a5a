/**
 * One synth of the whole Kvorum app (stack + cdk-nag packs, real local esbuild bundling) into a
 * temporary cloud assembly. Call it once per test file, in beforeAll: bundling takes a while.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type KvorumConfig } from '../../../infra/config.ts';
import { createApp } from '../../../infra/create-app.ts';
import type { KvorumStack } from '../../../infra/kvorum-stack.ts';

export const testConfig: KvorumConfig = parseConfig({
  region: 'eu-central-1',
  account: '123456789012',
  senderAddress: 'kvorum@wg.example.org',
  domain: 'wg.example.org',
  adminUsers: [
    { email: 'chair@wg.example.org', group: 'chair' },
    { email: 'secretary@wg.example.org', group: 'secretary' },
  ],
  alarmEmail: 'ops@wg.example.org',
  groupTimeZone: 'Europe/Astrakhan',
  throttle: { links: { rateLimit: 7, burstLimit: 13 }, admin: { rateLimit: 3, burstLimit: 6 } },
  logRetentionDays: 90,
});

export interface ValidationReport {
  pluginReports: Array<{
    pluginName: string;
    conclusion: string;
    violations: Array<{ ruleName: string; severity: string; violatingConstructs: Array<{ constructPath: string }> }>;
  }>;
}

export interface Synthesized {
  stack: KvorumStack;
  template: Template;
  /** The raw template JSON (for reading values that Template matchers cannot return). */
  json: { Resources: Record<string, { Type: string; Properties?: any; Metadata?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string }>; Outputs: Record<string, any> };
  outdir: string;
  report: ValidationReport;
  /** The CloudFormation form of a token (e.g. a function ARN) as it appears in the template. */
  resolve(value: unknown): unknown;
  logicalId(construct: { node: { defaultChild?: unknown } }): string;
  cleanup(): void;
}

export function synthKvorum(config: KvorumConfig = testConfig): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'kvorum-cdk-'));
  const { app, stack } = createApp({ appProps: { outdir }, config });
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as ValidationReport;
  return {
    stack,
    template,
    json: template.toJSON() as Synthesized['json'],
    outdir,
    report,
    resolve: (value) => Stack.of(stack).resolve(value),
    logicalId: (construct) => stack.getLogicalId(construct.node.defaultChild as never),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
