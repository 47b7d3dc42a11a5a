import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { taskHandlers } from '../../../functions/manifest.ts';
import { aslPlaceholders, readAsl, substitutionKey } from '../../../infra/asl.ts';
import { addNagPacks } from '../../../infra/create-app.ts';
import { acknowledge, flattenCfnReference, wildcardResourceFinding } from '../../../infra/nag.ts';

describe('workflows/meeting.asl.json and the manifest', () => {
  it('every "${…}" placeholder has a task in the manifest, and every task has a placeholder', () => {
    const placeholders = aslPlaceholders(readAsl());
    const substitutions = taskHandlers.map((t) => substitutionKey(t.aslName!)).sort();
    expect(placeholders).toEqual(substitutions);
  });

  it('is valid JSON', () => {
    expect(() => JSON.parse(readAsl())).not.toThrow();
  });

  it('aslPlaceholders finds each distinct name once', () => {
    expect(aslPlaceholders('{"a":"${XArn}","b":"${YArn}","c":"${XArn}"}')).toEqual(['XArn', 'YArn']);
  });
});

describe('cdk-nag helpers', () => {
  it('flattens intrinsics as cdk-nag does', () => {
    expect(flattenCfnReference({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Table', 'Arn'] }, '/index/*']] })).toBe('<Table.Arn>/index/*');
    expect(flattenCfnReference({ 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }]] })).toBe('arn:<AWS::Partition>');
  });

  function synthWithPacks(build: (stack: Stack) => void): void {
    const outdir = mkdtempSync(join(tmpdir(), 'kvorum-nag-'));
    try {
      const app = new App({ outdir });
      build(new Stack(app, 'Probe'));
      addNagPacks(app);
      app.synth();
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  it('the packs really run: an unencrypted queue fails synth', () => {
    expect(() => synthWithPacks((stack) => new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.UNENCRYPTED }))).toThrow(/AwsSolutions-SQS2/);
  });

  it('a finding id built by wildcardResourceFinding acknowledges exactly that finding', () => {
    const build = (ack: boolean) => (stack: Stack) => {
      const queue = new sqs.Queue(stack, 'Queue', { enforceSSL: true });
      acknowledge(queue, 'AwsSolutions-SQS3', 'Probe queue in a unit test; it has no consumer that could fail, so it needs no dead-letter queue of its own.');
      acknowledge(queue, 'Serverless-SQSRedrivePolicy', 'Probe queue in a unit test; it has no consumer that could fail, so it needs no redrive policy.');
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      const resource = `${queue.queueArn}*`;
      role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [resource] }));
      if (ack) acknowledge(role, wildcardResourceFinding(role, resource), 'Probe: the wildcard is acknowledged by its exact flattened finding id.');
    };
    expect(() => synthWithPacks(build(false))).toThrow(/AwsSolutions-IAM5\[Resource::<Queue4A7E3555\.Arn>\*\]/);
    expect(() => synthWithPacks(build(true))).not.toThrow();
  });
});
