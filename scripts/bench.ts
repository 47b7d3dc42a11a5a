/**
 * Benchmarks (figures, not assertions): `npx tsx scripts/bench.ts`
 * 1. The data model at scale (scripts/bench-scale.ts), on the local system through HTTP and e-mail: a 5-item
 *    ballot POST against a bare conditional PutItem (p50, p99, interleaved); DynamoDB requests and units
 *    per ballot and per signature at 15, 100 and 1,000 members; whole meetings at 15 and 1,000 members.
 * 2. Per Lambda function (scripts/bench-bundles.ts): the size of its bundle as deployed (infra/bundling.ts),
 *    its PDF-stack and AWS SDK shares, and the median import time of the bundled handler in a fresh Node
 *    process, against the cold-start targets. `npx tsx scripts/bench.ts --bundles` runs only this part;
 *    `--source-maps` measures the opt-in build with source maps.
 */
import { ballotLatency, requestsPerAction, wholeMeeting } from './bench-scale.ts';
import { bundles } from './bench-bundles.ts';

// `--bundles` runs only the bundle section (seconds, not minutes).
if (!process.argv.includes('--bundles')) {
  await ballotLatency();
  await requestsPerAction([15, 100, 1000]);
  await wholeMeeting([15, 1000]);
}
await bundles({ sourceMaps: process.argv.includes('--source-maps') });
