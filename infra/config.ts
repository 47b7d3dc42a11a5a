/**
 * Deployment settings of the Kvorum stack. They come either from props (tests, other apps) or from
 * the CDK context (`cdk.json` defaults, overridden with `-c kvorum:domain=…` on the command line).
 */
import { z } from 'zod';

export const ADMIN_GROUPS = ['chair', 'secretary'] as const;
export type AdminGroup = (typeof ADMIN_GROUPS)[number];

/** API Gateway throttling of a group of routes: steady requests per second, and the burst above it. */
export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

export interface AdminUser {
  email: string;
  group: AdminGroup;
}

export interface KvorumConfig {
  /** AWS region of the stack, e.g. "eu-central-1". */
  region: string;
  /** AWS account; undefined lets the CLI take the one of the current credentials. */
  account?: string;
  /** The From: address of every e-mail; must belong to `domain`. */
  senderAddress: string;
  /** The SES identity (a domain) the sender address belongs to. */
  domain: string;
  /** First chair/secretary logins, created in the Cognito user pool at deploy time. */
  adminUsers: AdminUser[];
  /** Optional e-mail subscribed to the alarm topic. */
  alarmEmail?: string;
  /** IANA zone for new groups (SPEC: default Europe/Astrakhan). */
  groupTimeZone: string;
  /**
   * HTTP API throttling, per route: `links` for the anonymous member links (`/l/{token}`, and any
   * request that matches no route), `admin` for the chair and the secretary (`/admin/{proxy+}`), so
   * link traffic can never use up the admin's share, nor the admin the members'.
   */
  throttle: { links: Throttle; admin: Throttle };
  /** Retention of every log group, in days (must be a CloudWatch-allowed value). */
  logRetentionDays: number;
}

export const CONTEXT_KEYS = {
  region: 'kvorum:region',
  account: 'kvorum:account',
  senderAddress: 'kvorum:senderAddress',
  domain: 'kvorum:domain',
  adminUsers: 'kvorum:adminUsers',
  alarmEmail: 'kvorum:alarmEmail',
  groupTimeZone: 'kvorum:groupTimeZone',
  linkThrottleRate: 'kvorum:linkThrottleRateLimit',
  linkThrottleBurst: 'kvorum:linkThrottleBurstLimit',
  adminThrottleRate: 'kvorum:adminThrottleRateLimit',
  adminThrottleBurst: 'kvorum:adminThrottleBurstLimit',
  logRetentionDays: 'kvorum:logRetentionDays',
} as const;

export const DEFAULTS = {
  groupTimeZone: 'Europe/Astrakhan',
  throttle: { links: { rateLimit: 10, burstLimit: 20 }, admin: { rateLimit: 5, burstLimit: 10 } },
  logRetentionDays: 90,
} as const;

/** Context keys of earlier versions, and what replaced them: refused, never silently ignored. */
export const RENAMED_CONTEXT_KEYS: Record<string, string> = {
  'kvorum:throttleRateLimit': CONTEXT_KEYS.linkThrottleRate,
  'kvorum:throttleBurstLimit': CONTEXT_KEYS.linkThrottleBurst,
};

const adminUserSchema = z.object({
  email: z.email(),
  group: z.enum(ADMIN_GROUPS),
});

const throttleSchema = z.object({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() });

const configSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-central-1'),
    account: z.string().regex(/^\d{12}$/).optional(),
    senderAddress: z.email(),
    domain: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/i, 'a DNS domain such as kvorum.example.org'),
    adminUsers: z.array(adminUserSchema),
    alarmEmail: z.email().optional(),
    groupTimeZone: z.string().min(1),
    throttle: z.object({ links: throttleSchema, admin: throttleSchema }),
    logRetentionDays: z.number().int().positive(),
  })
  .refine((c) => c.senderAddress.toLowerCase().endsWith(`@${c.domain.toLowerCase()}`), {
    message: 'senderAddress must belong to domain (the SES identity)',
    path: ['senderAddress'],
  });

/** Validates a full configuration (throws with every problem listed). */
export function parseConfig(input: unknown): KvorumConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`Invalid Kvorum configuration: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Anything with `tryGetContext`, e.g. `app.node`. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/** Context from `-c key=value` arrives as a string; from cdk.json as JSON. Accept both. */
function jsonish(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return JSON.parse(trimmed);
  return value;
}

function numberish(value: unknown): unknown {
  return typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
}

function emptyToUndefined(value: unknown): unknown {
  return value === '' || value === null ? undefined : value;
}

/** Reads the configuration from the CDK context; `env` supplies the CLI's default account/region. */
export function configFromContext(
  node: ContextSource,
  env: Record<string, string | undefined> = process.env,
): KvorumConfig {
  const get = (key: string) => emptyToUndefined(node.tryGetContext(key));
  for (const [old, replacement] of Object.entries(RENAMED_CONTEXT_KEYS)) {
    if (get(old) !== undefined) throw new Error(`Invalid Kvorum configuration: context key ${old} is now ${replacement} (member links; ${CONTEXT_KEYS.adminThrottleRate} and ${CONTEXT_KEYS.adminThrottleBurst} throttle the admin routes)`);
  }
  const throttle = (rate: string, burst: string, defaults: Throttle) => ({
    rateLimit: numberish(get(rate)) ?? defaults.rateLimit,
    burstLimit: numberish(get(burst)) ?? defaults.burstLimit,
  });
  return parseConfig({
    region: get(CONTEXT_KEYS.region) ?? env.CDK_DEFAULT_REGION,
    account: get(CONTEXT_KEYS.account) ?? env.CDK_DEFAULT_ACCOUNT,
    senderAddress: get(CONTEXT_KEYS.senderAddress),
    domain: get(CONTEXT_KEYS.domain),
    adminUsers: jsonish(get(CONTEXT_KEYS.adminUsers)) ?? [],
    alarmEmail: get(CONTEXT_KEYS.alarmEmail),
    groupTimeZone: get(CONTEXT_KEYS.groupTimeZone) ?? DEFAULTS.groupTimeZone,
    throttle: {
      links: throttle(CONTEXT_KEYS.linkThrottleRate, CONTEXT_KEYS.linkThrottleBurst, DEFAULTS.throttle.links),
      admin: throttle(CONTEXT_KEYS.adminThrottleRate, CONTEXT_KEYS.adminThrottleBurst, DEFAULTS.throttle.admin),
    },
    logRetentionDays: numberish(get(CONTEXT_KEYS.logRetentionDays)) ?? DEFAULTS.logRetentionDays,
  });
}
