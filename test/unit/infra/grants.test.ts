/**
 * The table grants of infra/table-grants.ts against the code: each function's DynamoDB actions are
 * exactly those its handler can reach (test/unit/infra/aws-calls.ts follows the calls through the
 * sources), so a new call without a grant, or a grant no code uses, fails here rather than in AWS.
 */
import { describe, expect, it } from 'vitest';
import { handlers } from '../../../functions/manifest.ts';
import { PROJECT_ROOT } from '../../../infra/paths.ts';
import { TABLE_GRANTS } from '../../../infra/table-grants.ts';
import { analyzeAwsCalls } from './aws-calls.ts';

const analyzer = analyzeAwsCalls(PROJECT_ROOT, handlers.map((h) => h.entry));

describe('table grants follow the code', () => {
  it.each(handlers.map((h) => [h.id, h] as const))('%s: granted DynamoDB actions = the calls its code can reach', (id, spec) => {
    const calls = analyzer.callsOf(spec.entry);
    const reached = [...calls.actions].filter((a) => a.startsWith('dynamodb:')).map((a) => a.slice('dynamodb:'.length)).sort();
    const granted = [...(TABLE_GRANTS[id]?.actions ?? [])].sort();
    const unexplained = reached.filter((a) => !granted.includes(a as never)).map((a) => `${a} via ${calls.via.get(`dynamodb:${a}`)?.join(' → ')}`);
    expect(unexplained, `${id} reaches ungranted actions`).toEqual([]);
    expect(granted.filter((a) => !reached.includes(a)), `${id} is granted actions its code never calls`).toEqual([]);
  });

  it('never grants Scan, transactions or table-level operations', () => {
    for (const grant of Object.values(TABLE_GRANTS)) {
      for (const action of grant.actions) expect(['Scan', 'TransactWriteItems', 'DeleteTable', 'UpdateTable']).not.toContain(action);
    }
  });

  it('grants the read-only LoadMeeting task reads only', () => {
    expect([...TABLE_GRANTS.LoadMeetingTask!.actions].sort()).toEqual(['GetItem', 'Query']);
  });
});
