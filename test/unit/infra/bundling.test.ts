/**
 * The Lambda bundle options (infra/bundling.ts): one definition that NodejsFunction and the benchmark
 * both use, and source maps only when switched on (`-c kvorum:sourceMaps=true`). The whole stack's
 * bundles are checked in stack.test.ts; here one small function is bundled with and without the flag.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handlers } from '../../../functions/manifest.ts';
import { BUNDLE_ALIASES, cdkBundling, esbuildOptions, lambdaBundle, SOURCE_MAPS_CONTEXT_KEY, sourceMapsEnabled } from '../../../infra/bundling.ts';
import { KvorumFunction } from '../../../infra/functions.ts';
import { PROJECT_ROOT } from '../../../infra/paths.ts';

describe('lambdaBundle', () => {
  it('is minified, tree-shakable ESM for the Lambda runtime, with the SDK bundled and no source map by default', () => {
    expect(lambdaBundle({ sourceMap: false })).toEqual({
      target: 'node24',
      format: 'esm',
      mainFields: ['module', 'main'],
      banner: expect.stringContaining('createRequire'),
      minify: true,
      charset: 'utf8',
      sourceMap: false,
      external: [],
      alias: { '@aws-sdk/credential-provider-node': './functions/lib/lambda-credentials.ts' },
    });
    for (const target of Object.values(BUNDLE_ALIASES)) expect(existsSync(join(PROJECT_ROOT, target)), target).toBe(true);
  });

  it('gives NodejsFunction and esbuild the same settings', () => {
    const bundle = lambdaBundle({ sourceMap: true });
    const cdk = cdkBundling(bundle);
    const api = esbuildOptions(bundle, PROJECT_ROOT);
    expect({ target: cdk.target, mainFields: cdk.mainFields, banner: cdk.banner, minify: cdk.minify, sourceMap: cdk.sourceMap, external: cdk.externalModules, format: cdk.format }).toEqual({
      target: api.target,
      mainFields: api.mainFields,
      banner: api.banner?.js,
      minify: api.minify,
      sourceMap: api.sourcemap,
      external: api.external,
      format: api.format,
    });
    expect(cdk.forceDockerBundling).toBe(false);
    expect(cdk.esbuildArgs).toEqual({ '--charset': api.charset, '--alias': Object.entries(api.alias ?? {}).map(([from, to]) => `${from}=${to}`) });
    expect(api.absWorkingDir).toBe(PROJECT_ROOT);
  });
});

describe('sourceMapsEnabled', () => {
  it('is off unless the context flag or KVORUM_SOURCE_MAPS switches it on', () => {
    expect(sourceMapsEnabled(undefined, {})).toBe(false);
    expect(sourceMapsEnabled(true, {})).toBe(true);
    expect(sourceMapsEnabled('true', {})).toBe(true);
    expect(sourceMapsEnabled('false', { KVORUM_SOURCE_MAPS: '1' })).toBe(false);
    expect(sourceMapsEnabled(false, {})).toBe(false);
    expect(sourceMapsEnabled(undefined, { KVORUM_SOURCE_MAPS: '1' })).toBe(true);
    expect(sourceMapsEnabled(undefined, { KVORUM_SOURCE_MAPS: '0' })).toBe(false);
  });
});

describe('KvorumFunction source maps', () => {
  const outdirs: string[] = [];
  afterAll(() => {
    for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  });

  /** One function (CalendarCheck: small, no fonts) in its own app, bundled for real. */
  function synthOne(context: Record<string, unknown>) {
    const outdir = mkdtempSync(join(tmpdir(), 'kvorum-bundling-'));
    outdirs.push(outdir);
    const stack = new Stack(new App({ outdir, context }), 'BundlingTest', { env: { region: 'eu-central-1', account: '123456789012' } });
    const spec = handlers.find((h) => h.id === 'CalendarCheck')!;
    const fn = new KvorumFunction(stack, spec.id, { spec, environment: { TABLE_NAME: 't' }, logRetention: logs.RetentionDays.ONE_WEEK, applicationLogLevel: lambda.ApplicationLogLevel.INFO });
    const template = Template.fromStack(stack);
    const resource = template.findResources('AWS::Lambda::Function')[stack.getLogicalId(fn.fn.node.defaultChild as lambda.CfnFunction)]!;
    const dir = join(outdir, `asset.${String(resource.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    return { env: resource.Properties.Environment.Variables as Record<string, string>, dir };
  }

  it('by default: no .map shipped, no --enable-source-maps', () => {
    const { env, dir } = synthOne({});
    expect(existsSync(join(dir, 'index.mjs'))).toBe(true);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(false);
    expect(env).not.toHaveProperty('NODE_OPTIONS');
  }, 120_000);

  it(`with -c ${SOURCE_MAPS_CONTEXT_KEY}=true: the .map ships and Node loads it`, () => {
    const { env, dir } = synthOne({ [SOURCE_MAPS_CONTEXT_KEY]: 'true' });
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
  }, 120_000);
});
