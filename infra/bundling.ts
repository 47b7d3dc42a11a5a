/**
 * How every Lambda bundle is built, in one place: infra/functions.ts hands it to NodejsFunction
 * (esbuild's CLI) and scripts/bench.ts to esbuild's API, so the benchmark measures what is deployed.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The newest Node.js runtime aws-cdk-lib 2.276 offers (asserted by test/unit/infra). */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * The bundle is ESM; CommonJS dependencies bundled into it still call `require` (e.g. for Node
 * built-ins), so define one. The alias avoids clashing with a bundled `import { createRequire }`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __kvorumCreateRequire } from 'node:module'; const require = __kvorumCreateRequire(import.meta.url);";

/** `-c kvorum:sourceMaps=true` (or KVORUM_SOURCE_MAPS=1 at synth) ships source maps and turns them on. */
export const SOURCE_MAPS_CONTEXT_KEY = 'kvorum:sourceMaps';

/**
 * Modules replaced in the bundles (paths from the project root, where esbuild runs). The SDK's
 * default credential chain becomes the environment credentials Lambda provides: see
 * functions/lib/lambda-credentials.ts.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': './functions/lib/lambda-credentials.ts',
};

/** The esbuild settings of a Lambda bundle. */
export interface LambdaBundle {
  /** esbuild target of the Lambda runtime, e.g. "node24". */
  target: string;
  format: 'esm';
  /** ESM entry points of packages first: esbuild tree-shakes ES modules, not CommonJS. */
  mainFields: string[];
  banner: string;
  minify: true;
  /** Russian text as UTF-8 (2 bytes a letter) instead of \u escapes (6). */
  charset: 'utf8';
  /** An external .map next to the bundle; off unless switched on (source maps slow the init). */
  sourceMap: boolean;
  /** Nothing is left to the runtime: the AWS SDK the tests ran against is the one that runs. */
  external: string[];
  alias: Readonly<Record<string, string>>;
}

export function lambdaBundle(options: { sourceMap: boolean }): LambdaBundle {
  return {
    target: LAMBDA_RUNTIME.name.replace(/^nodejs(\d+)\.x$/, 'node$1'),
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    minify: true,
    charset: 'utf8',
    sourceMap: options.sourceMap,
    external: [],
    alias: BUNDLE_ALIASES,
  };
}

/** Whether source maps are switched on: the context flag, else KVORUM_SOURCE_MAPS in the environment. */
export function sourceMapsEnabled(context: unknown, env: Record<string, string | undefined> = process.env): boolean {
  const value = context ?? env.KVORUM_SOURCE_MAPS;
  return value === true || (typeof value === 'string' && ['1', 'true', 'yes'].includes(value.trim().toLowerCase()));
}

/** As NodejsFunction bundling options (local esbuild, no Docker). */
export function cdkBundling(bundle: LambdaBundle, commandHooks?: nodejs.ICommandHooks): nodejs.BundlingOptions {
  return {
    forceDockerBundling: false,
    target: bundle.target,
    format: nodejs.OutputFormat.ESM,
    mainFields: bundle.mainFields,
    banner: bundle.banner,
    minify: bundle.minify,
    sourceMap: bundle.sourceMap,
    externalModules: bundle.external,
    esbuildArgs: {
      // aws-cdk-lib 2.276 drops its own `charset` option from the esbuild command line: pass it here.
      '--charset': bundle.charset,
      '--alias': Object.entries(bundle.alias).map(([from, to]) => `${from}=${to}`),
    },
    ...(commandHooks ? { commandHooks } : {}),
  };
}

/** As esbuild API options (scripts/bench.ts); `absWorkingDir` must be the project root, as for CDK. */
export function esbuildOptions(bundle: LambdaBundle, absWorkingDir: string): BuildOptions {
  return {
    absWorkingDir,
    bundle: true,
    platform: 'node',
    target: bundle.target,
    format: bundle.format,
    mainFields: bundle.mainFields,
    banner: { js: bundle.banner },
    minify: bundle.minify,
    charset: bundle.charset,
    sourcemap: bundle.sourceMap,
    external: bundle.external,
    alias: { ...bundle.alias },
  };
}
