/**
 * SES bounce / complaint events (SNS → ses-events handler) against dynalite and aws-ses-v2-local:
 * the address is marked failing in every group that has it, and the secretary is told once.
 */
import type { SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/handlers/ses-events.ts';
import { as, call, convene, createGroup, GROUP_BODY, startAdminWorld, type AdminWorld } from './support.ts';

let world: AdminWorld;
let groupId: string;
let otherGroupId: string;
let meetingId: string;

beforeAll(async () => {
  world = await startAdminWorld('2026-03-02T07:00:00Z');
  groupId = await createGroup();
  // A second group sharing m1 but not m3.
  const other = await call('POST', '/groups', {
    claims: as.chair,
    body: { ...GROUP_BODY, name: 'Вторая группа', members: GROUP_BODY.members.filter((m) => m.id !== 'm3') },
  });
  otherGroupId = other.json.group.id;
  meetingId = (await convene(groupId, { title: 'Заседание о парках', date: '2026-04-20', time: '10:00' })).meeting.id;
  await world.settle();
});
afterAll(async () => {
  await world?.stop();
});

function snsEvent(...messages: unknown[]): SNSEvent {
  return {
    Records: messages.map((message, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-central-1:000000000000:kvorum-ses-events:1',
      Sns: {
        Type: 'Notification',
        MessageId: `sns-${i}`,
        TopicArn: 'arn:aws:sns:eu-central-1:000000000000:kvorum-ses-events',
        Subject: '',
        Message: typeof message === 'string' ? message : JSON.stringify(message),
        Timestamp: '2026-03-02T07:00:00.000Z',
        SignatureVersion: '1',
        Signature: '',
        SigningCertUrl: '',
        UnsubscribeUrl: '',
        MessageAttributes: {},
      },
    })),
  };
}

const bounceOf = (address: string, tags: Record<string, string[]>) => ({
  eventType: 'Bounce',
  bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: address, diagnosticCode: 'smtp; 550 5.1.1 user unknown' }] },
  mail: { messageId: 'ses-1', destination: [address], tags },
});

describe('SES events', () => {
  it('a bounce marks the address failing in every group that has it and tells each secretary once', async () => {
    const event = snsEvent(bounceOf('M1@city.test', { purpose: ['proposals-call'], meeting: [meetingId] }));
    const first = await handler(event);
    expect(first).toEqual({ reported: 2, unreadable: 0 });
    for (const id of [groupId, otherGroupId]) {
      const group = await world.store.getGroup(id);
      expect(group?.addresses['m1@city.test']).toMatchObject({ state: 'failing', reason: expect.stringContaining('550 5.1.1') });
    }
    const told = await world.mailTo('sec@city.test', 'Не доставляются письма: Сидоров Семён Семёнович');
    expect(told).toHaveLength(2);
    expect(told.some((m) => m.body.text?.includes('Заседание о парках'))).toBe(true);
    const audit = await world.store.listAudit(meetingId);
    expect(audit.find((a) => a.action === 'address-failing')).toMatchObject({ actor: 'ses', detail: { memberId: 'm1', kind: 'bounce' } });

    // SNS delivers at least once: the same event again sends nothing new.
    await handler(event);
    expect(await world.mailTo('sec@city.test', 'Не доставляются письма: Сидоров Семён Семёнович')).toHaveLength(2);
  });

  it('a complaint about the secretary’s own address goes to the chair; unknown addresses and garbage change nothing', async () => {
    const complaint = { eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'sec@city.test' }], complaintFeedbackType: 'abuse' }, mail: { destination: ['sec@city.test'], tags: {} } };
    const result = await handler(snsEvent(complaint, bounceOf('stranger@nowhere.test', {}), 'not json', { eventType: 'Delivery', mail: {} }));
    expect(result).toEqual({ reported: 2, unreadable: 1 });
    expect((await world.store.getGroup(groupId))?.addresses['sec@city.test']).toMatchObject({ state: 'failing', reason: 'complaint abuse' });
    expect((await world.store.getGroup(groupId))?.addresses['stranger@nowhere.test']).toBeUndefined();
    expect(await world.mailTo('chair@city.test', 'Не доставляются письма: Петрова Полина Петровна')).toHaveLength(2);
    expect(await world.mailTo('sec@city.test', 'Петрова Полина Петровна')).toHaveLength(0);
  });

  it('the admin view of the group shows the failing address', async () => {
    const reply = await call('GET', `/groups/${otherGroupId}`, { claims: as.secretary });
    expect(reply.status).toBe(200);
    expect(reply.json.group.addresses['m1@city.test'].state).toBe('failing');
  });
});
