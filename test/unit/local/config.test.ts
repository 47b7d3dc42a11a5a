import { describe, expect, it } from 'vitest';
import { LocalConfigError, describeLocalConfig, localConfigFromEnv } from '../../../local/config.ts';
import { TargetError, tableTargetFromEnv } from '../../../scripts/table-target.ts';

describe('npm start: configuration from the environment', () => {
  it('defaults: the ports of the README, the SES emulator, links on the local server', () => {
    const config = localConfigFromEnv({});
    expect(config).toEqual({
      ports: { http: 3000, mailbox: 8005, sfn: 4584, dynamodb: 4567, s3: 4569 },
      mail: { kind: 'emulator', senderAddress: 'kvorum@kvorum.local' },
    });
    expect(describeLocalConfig(config, 'http://127.0.0.1:3000').join('\n')).toMatch(/emulator[\s\S]*http:\/\/127\.0\.0\.1:3000/);
  });

  it('SES_ENDPOINT: real mail through that service, signed for AWS_REGION, from SENDER_ADDRESS', () => {
    const config = localConfigFromEnv({ SES_ENDPOINT: 'https://postbox.cloud.yandex.net', AWS_REGION: 'ru-central1', SENDER_ADDRESS: 'kvorum@example.org' });
    expect(config.mail).toEqual({ kind: 'ses', endpoint: 'https://postbox.cloud.yandex.net', region: 'ru-central1', senderAddress: 'kvorum@example.org' });
    const lines = describeLocalConfig(config, 'http://127.0.0.1:3000').join('\n');
    expect(lines).toContain('https://postbox.cloud.yandex.net');
    expect(lines).toContain('ru-central1');
    expect(lines).toContain('kvorum@example.org');
  });

  it('SES_ENDPOINT without AWS_REGION signs for eu-central-1', () => {
    const config = localConfigFromEnv({ SES_ENDPOINT: 'https://email.eu-central-1.amazonaws.com', SENDER_ADDRESS: 'kvorum@example.org' });
    expect(config.mail).toMatchObject({ kind: 'ses', region: 'eu-central-1' });
  });

  it('PUBLIC_BASE_URL: the base of e-mailed links, without a trailing slash', () => {
    const config = localConfigFromEnv({ PUBLIC_BASE_URL: 'https://kvorum.example.org/', PORT: '8080' });
    expect(config.publicBaseUrl).toBe('https://kvorum.example.org');
    expect(config.ports.http).toBe(8080);
    expect(describeLocalConfig(config, 'http://127.0.0.1:8080').join('\n')).toContain('https://kvorum.example.org (PUBLIC_BASE_URL; served at http://127.0.0.1:8080)');
  });

  it('a wrong value fails at start with the variable named', () => {
    const fails = (env: Record<string, string>, name: string) => {
      expect(() => localConfigFromEnv(env)).toThrow(LocalConfigError);
      expect(() => localConfigFromEnv(env)).toThrow(name);
    };
    fails({ PORT: 'abc' }, 'PORT');
    fails({ S3_PORT: '70000' }, 'S3_PORT');
    fails({ SES_ENDPOINT: 'not a url', SENDER_ADDRESS: 'a@b.org' }, 'SES_ENDPOINT');
    fails({ SES_ENDPOINT: 'ftp://mail.example.org', SENDER_ADDRESS: 'a@b.org' }, 'SES_ENDPOINT');
    fails({ SES_ENDPOINT: 'https://email.eu-central-1.amazonaws.com' }, 'SENDER_ADDRESS');
    fails({ SES_ENDPOINT: 'https://email.eu-central-1.amazonaws.com', SENDER_ADDRESS: 'a@b.org', AWS_REGION: 'EU Central' }, 'AWS_REGION');
    fails({ PUBLIC_BASE_URL: 'kvorum.example.org' }, 'PUBLIC_BASE_URL');
    fails({ PUBLIC_BASE_URL: 'https://kvorum.example.org/?x=1' }, 'PUBLIC_BASE_URL');
    fails({ LINK_SECRET: 'short' }, 'LINK_SECRET');
    fails({ LINK_SECRET_PREVIOUS: 'an-old-secret-0123456789' }, 'LINK_SECRET');
  });

  it('LINK_SECRET and LINK_SECRET_PREVIOUS: the link-signing keyring (a rotation keeps the old value as previous)', () => {
    expect(localConfigFromEnv({ LINK_SECRET: 'the-new-secret-0123456789' }).linkKeyring).toEqual({ current: 'the-new-secret-0123456789' });
    expect(localConfigFromEnv({ LINK_SECRET: 'the-new-secret-0123456789', LINK_SECRET_PREVIOUS: 'an-old-secret-0123456789' }).linkKeyring).toEqual({
      current: 'the-new-secret-0123456789',
      previous: 'an-old-secret-0123456789',
    });
  });

  it('empty variables count as unset', () => {
    expect(localConfigFromEnv({ SES_ENDPOINT: '', PUBLIC_BASE_URL: ' ', PORT: '' })).toEqual(localConfigFromEnv({}));
  });
});

describe('npm run backup / restore: which table', () => {
  it('without TABLE_NAME: the local table of npm start (its endpoint, else .data/dynamodb)', () => {
    expect(tableTargetFromEnv({}, '/repo')).toEqual({ kind: 'local', tableName: 'kvorum', dataDir: '/repo/.data/dynamodb', runningEndpoint: 'http://127.0.0.1:4567' });
    expect(tableTargetFromEnv({ DYNAMODB_PORT: '5000' }, '/repo')).toMatchObject({ runningEndpoint: 'http://127.0.0.1:5000' });
  });

  it('TABLE_NAME and AWS_REGION: the table in AWS (DYNAMODB_ENDPOINT optional)', () => {
    expect(tableTargetFromEnv({ TABLE_NAME: 'Kvorum-Table', AWS_REGION: 'eu-central-1' }, '/repo')).toEqual({ kind: 'aws', tableName: 'Kvorum-Table', region: 'eu-central-1' });
    expect(tableTargetFromEnv({ TABLE_NAME: 't', AWS_REGION: 'eu-central-1', DYNAMODB_ENDPOINT: 'http://localhost:8000' }, '/repo')).toMatchObject({ endpoint: 'http://localhost:8000' });
    expect(() => tableTargetFromEnv({ TABLE_NAME: 't' }, '/repo')).toThrow(TargetError);
  });
});
