import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromContext, CONTEXT_KEYS, DEFAULTS, parseConfig } from '../../../infra/config.ts';
import { PROJECT_ROOT } from '../../../infra/paths.ts';

const contextOf = (values: Record<string, unknown>) => ({ tryGetContext: (key: string) => values[key] });

const base = {
  [CONTEXT_KEYS.region]: 'eu-central-1',
  [CONTEXT_KEYS.senderAddress]: 'kvorum@wg.example.org',
  [CONTEXT_KEYS.domain]: 'wg.example.org',
};

describe('configFromContext', () => {
  it('applies the defaults: Europe/Astrakhan, throttling, retention, no admins', () => {
    const config = configFromContext(contextOf(base), {});
    expect(config).toMatchObject({
      region: 'eu-central-1',
      senderAddress: 'kvorum@wg.example.org',
      domain: 'wg.example.org',
      adminUsers: [],
      groupTimeZone: DEFAULTS.groupTimeZone,
      throttle: DEFAULTS.throttle,
      logRetentionDays: DEFAULTS.logRetentionDays,
    });
    expect(config.groupTimeZone).toBe('Europe/Astrakhan');
    expect(config.alarmEmail).toBeUndefined();
  });

  it('accepts command-line strings (-c key=value): admin users as JSON, numbers as text', () => {
    const config = configFromContext(
      contextOf({
        ...base,
        [CONTEXT_KEYS.adminUsers]: '[{"email":"chair@wg.example.org","group":"chair"}]',
        [CONTEXT_KEYS.linkThrottleRate]: '5',
        [CONTEXT_KEYS.linkThrottleBurst]: '9',
        [CONTEXT_KEYS.adminThrottleRate]: '2',
        [CONTEXT_KEYS.adminThrottleBurst]: '4',
        [CONTEXT_KEYS.alarmEmail]: 'ops@wg.example.org',
      }),
      {},
    );
    expect(config.adminUsers).toEqual([{ email: 'chair@wg.example.org', group: 'chair' }]);
    expect(config.throttle).toEqual({ links: { rateLimit: 5, burstLimit: 9 }, admin: { rateLimit: 2, burstLimit: 4 } });
    expect(config.alarmEmail).toBe('ops@wg.example.org');
  });

  it('refuses the throttle keys of earlier versions and names their replacement', () => {
    expect(() => configFromContext(contextOf({ ...base, 'kvorum:throttleRateLimit': 5 }), {})).toThrow(/kvorum:throttleRateLimit is now kvorum:linkThrottleRateLimit/);
  });

  it('takes region and account from the CLI environment when the context has none', () => {
    const { [CONTEXT_KEYS.region]: _omit, ...withoutRegion } = base;
    const config = configFromContext(contextOf(withoutRegion), { CDK_DEFAULT_REGION: 'eu-north-1', CDK_DEFAULT_ACCOUNT: '111122223333' });
    expect(config.region).toBe('eu-north-1');
    expect(config.account).toBe('111122223333');
  });

  it('treats an empty alarm e-mail (the cdk.json default) as none', () => {
    expect(configFromContext(contextOf({ ...base, [CONTEXT_KEYS.alarmEmail]: '' }), {}).alarmEmail).toBeUndefined();
  });
});

describe('parseConfig rejects', () => {
  const valid = {
    region: 'eu-central-1',
    senderAddress: 'kvorum@wg.example.org',
    domain: 'wg.example.org',
    adminUsers: [],
    groupTimeZone: 'Europe/Astrakhan',
    throttle: { links: { rateLimit: 1, burstLimit: 1 }, admin: { rateLimit: 1, burstLimit: 1 } },
    logRetentionDays: 90,
  };

  it('accepts the valid baseline', () => {
    expect(parseConfig(valid).domain).toBe('wg.example.org');
  });

  it('a sender address outside the SES identity domain', () => {
    expect(() => parseConfig({ ...valid, senderAddress: 'kvorum@other.example.org' })).toThrow(/senderAddress/);
  });

  it('an admin group other than chair or secretary', () => {
    expect(() => parseConfig({ ...valid, adminUsers: [{ email: 'a@wg.example.org', group: 'member' }] })).toThrow(/Invalid Kvorum configuration/);
  });

  it('a malformed e-mail or region', () => {
    expect(() => parseConfig({ ...valid, adminUsers: [{ email: 'not-an-email', group: 'chair' }] })).toThrow();
    expect(() => parseConfig({ ...valid, region: 'Frankfurt' })).toThrow(/region/);
  });
});

describe('cdk.json', () => {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { app: string; context: Record<string, unknown> };

  it('runs infra/app.ts with tsx', () => {
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
  });

  it('has context defaults that form a valid configuration', () => {
    const config = configFromContext(contextOf(cdkJson.context), {});
    expect(config.groupTimeZone).toBe('Europe/Astrakhan');
    expect(config.adminUsers.map((u) => u.group).sort()).toEqual(['chair', 'secretary']);
  });

  it('sets the recommended feature flags of the installed aws-cdk-lib', () => {
    const recommended = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules/aws-cdk-lib/recommended-feature-flags.json'), 'utf8')) as Record<string, unknown>;
    for (const [flag, value] of Object.entries(recommended)) expect(cdkJson.context[flag], flag).toEqual(value);
  });
});
