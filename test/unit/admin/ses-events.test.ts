import { describe, expect, it } from 'vitest';
import { addressFailingMessage, parseSesNotification, parseSnsEvent } from '../../../functions/handlers/ses-events.ts';

/** Shapes as SES v2 event publishing sends them to SNS (docs: "Examples of event data that Amazon SES publishes to Amazon SNS"). */
function bounce(overrides: Record<string, unknown> = {}) {
  return {
    eventType: 'Bounce',
    bounce: {
      feedbackId: '0102017-feedback',
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [{ emailAddress: 'Recipient@Example.com', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      timestamp: '2026-03-10T07:00:01.000Z',
    },
    mail: {
      timestamp: '2026-03-10T07:00:00.000Z',
      source: 'kvorum@kvorum.test',
      messageId: 'ses-message-1',
      destination: ['recipient@example.com'],
      tags: { 'ses:configuration-set': ['kvorum'], purpose: ['notice'], meeting: ['meeting-1'] },
    },
    ...overrides,
  };
}

const complaint = {
  eventType: 'Complaint',
  complaint: {
    complainedRecipients: [{ emailAddress: 'a@example.com' }],
    complaintFeedbackType: 'abuse',
    timestamp: '2026-03-10T08:00:00.000Z',
  },
  mail: { messageId: 'ses-message-2', destination: ['a@example.com'], tags: { purpose: ['ballot'] } },
};

const sns = (...messages: string[]) => ({
  Records: messages.map((Message, i) => ({
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: 'arn:aws:sns:eu-central-1:000000000000:ses-events:sub',
    Sns: { Type: 'Notification', MessageId: `m${i}`, TopicArn: 'arn:aws:sns:eu-central-1:000000000000:ses-events', Subject: '', Message, Timestamp: '', SignatureVersion: '1', Signature: '', SigningCertUrl: '', UnsubscribeUrl: '', MessageAttributes: {} },
  })),
});

describe('parseSesNotification', () => {
  it('reads a bounce: lower-cased recipients, type and diagnostic, meeting and purpose tags', () => {
    expect(parseSesNotification(JSON.stringify(bounce()))).toEqual({
      kind: 'bounce',
      addresses: ['recipient@example.com'],
      reason: 'bounce Permanent/General: smtp; 550 5.1.1 user unknown',
      meetingId: 'meeting-1',
      purpose: 'notice',
      messageId: 'ses-message-1',
      at: '2026-03-10T07:00:01.000Z',
    });
  });

  it('reads a complaint; without a meeting tag there is no meeting id', () => {
    const problem = parseSesNotification(JSON.stringify(complaint));
    expect(problem).toMatchObject({ kind: 'complaint', addresses: ['a@example.com'], reason: 'complaint abuse', purpose: 'ballot' });
    expect(problem).not.toHaveProperty('meetingId');
  });

  it('falls back to the destination when no recipient is listed, and accepts "Name <addr>" forms', () => {
    const message = bounce({ bounce: { bounceType: 'Transient' }, mail: { destination: ['"Ivan" <IVAN@City.Test>', 'b@city.test'] } });
    expect(parseSesNotification(JSON.stringify(message))?.addresses).toEqual(['ivan@city.test', 'b@city.test']);
  });

  it('accepts the older notificationType field', () => {
    const { eventType: _e, ...rest } = bounce();
    expect(parseSesNotification(JSON.stringify({ ...rest, notificationType: 'Bounce' }))?.kind).toBe('bounce');
  });

  it('ignores events that are not problems (Delivery, Send, Open)', () => {
    for (const eventType of ['Delivery', 'Send', 'Open']) {
      expect(parseSesNotification(JSON.stringify({ eventType, mail: { destination: ['x@y.z'] } }))).toBeNull();
    }
  });

  it('throws on text that is not JSON or not an SES event', () => {
    expect(() => parseSesNotification('not json')).toThrow();
    expect(() => parseSesNotification(JSON.stringify({ eventType: 42 }))).toThrow();
  });
});

describe('parseSnsEvent', () => {
  it('collects the problems of every record and counts the unreadable ones', () => {
    const parsed = parseSnsEvent(sns(JSON.stringify(bounce()), 'garbage', JSON.stringify({ eventType: 'Delivery' }), JSON.stringify(complaint)));
    expect(parsed.problems.map((p) => p.kind)).toEqual(['bounce', 'complaint']);
    expect(parsed.unreadable).toBe(1);
  });

  it('drops a problem that names no usable address', () => {
    const message = bounce({ bounce: { bouncedRecipients: [{ emailAddress: 'not-an-address' }] }, mail: {} });
    expect(parseSnsEvent(sns(JSON.stringify(message))).problems).toEqual([]);
  });
});

describe('addressFailingMessage', () => {
  it('escapes every free text in the HTML and speaks the recipient’s language', () => {
    const message = addressFailingMessage({
      recipient: { name: 'Jane <b>', lang: 'en' },
      groupName: 'Group <script>',
      timeZone: 'Europe/Astrakhan',
      member: { name: '<img src=x onerror=alert(1)>', email: 'm@city.test' },
      problem: { kind: 'bounce', reason: 'bounce Permanent: <550>' },
      meetingTitle: '<script>alert(1)</script>',
      reportedAt: '2026-03-10T07:00:00Z',
    });
    expect(message.subject).toBe('E-mails not delivered: <img src=x onerror=alert(1)>');
    expect(message.html).not.toMatch(/<script>|<img src=x/);
    expect(message.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(message.text).toContain('Europe/Astrakhan');
    expect(message.text).toContain('bounce Permanent: <550>');
  });
});
