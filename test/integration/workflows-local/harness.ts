import { SFNClient } from '@aws-sdk/client-sfn';
import type { Clock } from '../../../functions/lib/clock.ts';
import { startSfnEndpoint, type SfnEndpoint } from '../../../workflows/local/endpoint.ts';
import { LocalStepFunctions, type TaskHandler } from '../../../workflows/local/runtime.ts';

/** A runtime on the given clock, its HTTP endpoint, and a real SFNClient pointed at it. */
export interface Harness {
  runtime: LocalStepFunctions;
  endpoint: SfnEndpoint;
  sfn: SFNClient;
  close(): Promise<void>;
}

export async function startHarness(
  clock: Clock,
  handlers: Record<string, TaskHandler>,
  options: { retryIntervalMs?: number } = {},
): Promise<Harness> {
  const runtime = new LocalStepFunctions({
    clock,
    resolveTask: (name) => handlers[name],
    retryIntervalMs: options.retryIntervalMs ?? 0,
  });
  const endpoint = await startSfnEndpoint(runtime, { port: 0 });
  const sfn = new SFNClient({
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    runtime,
    endpoint,
    sfn,
    close: async () => {
      sfn.destroy();
      runtime.shutdown();
      await endpoint.stop();
    },
  };
}

/** The error code the SDK surfaced, e.g. 'ExecutionAlreadyExists'. */
export async function errorNameOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  throw new Error('expected the call to fail');
}

export function lambdaArn(name: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
}
