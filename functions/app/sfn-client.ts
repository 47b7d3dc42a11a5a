/**
 * The Step Functions client of a handler: the one its deps hold (the local system and the tests hand
 * one in), else one made from the environment on first use. Only the modules that start, stop or
 * complete executions import this, so only their functions' bundles contain the SFN client.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { awsClientConfig } from '../lib/aws-clients.ts';
import type { Deps } from './deps.ts';

let fromEnv: SFNClient | undefined;

export function sfnOf(deps: Pick<Deps, 'sfn'>): SFNClient {
  if (deps.sfn) return deps.sfn;
  fromEnv ??= new SFNClient(awsClientConfig('sfn', process.env.SFN_ENDPOINT));
  return fromEnv;
}
