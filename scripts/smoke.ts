import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { startHarness } from '../test/e2e/harness.ts';
import { computeDeadlines, defaultGroupSettings } from '../functions/domain/index.ts';
import { russianCalendar } from '../functions/calendar/index.ts';
import { sfnOf } from '../functions/app/sfn-client.ts';

const h = await startHarness('2026-03-02T06:00:00Z');
const { store, stateMachineArn } = h.system.deps;
const sfn = sfnOf(h.system.deps);
const members = [
  { id: 'chair', name: 'Иванов И.И.', email: 'chair@example.org', role: 'chair' as const, lang: 'ru' as const },
  { id: 'deputy', name: 'Петров П.П.', email: 'deputy@example.org', role: 'deputy' as const, lang: 'ru' as const },
  { id: 'sec', name: 'Сидорова С.С.', email: 'sec@example.org', role: 'secretary' as const, lang: 'ru' as const },
  { id: 'm1', name: 'Кузнецов К.К.', email: 'm1@example.org', role: 'member' as const, lang: 'ru' as const },
];
await store.putGroup({ id: 'g1', bodyName: 'Администрация', name: 'Рабочая группа', settings: defaultGroupSettings, members });
const req = { date: '2026-03-12', time: '10:00' };
const deadlines = computeDeadlines(req, defaultGroupSettings, russianCalendar);
const m = await store.createMeeting({ id: 'mt1', groupId: 'g1', title: 'Первое заседание', date: req.date, time: req.time, timeZone: 'Europe/Astrakhan', startsAt: deadlines.voteOpens, deadlines, presidingId: 'chair', secretaryId: 'sec' });
await store.putAgendaItem('mt1', { id: 'i1', order: 1, title: 'О плане работы', speakers: ['sec'], approved: false });
const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'mt1-r1', input: JSON.stringify({ meetingId: 'mt1', revision: m.revision, resumeAt: 'start' }) }));
await h.settle();
const show = async (label: string) => {
  const d = h.system.runtime.describeExecution(started.executionArn!);
  const meeting = await store.getMeeting('mt1');
  console.log(label, h.clock.now().toISOString(), d.status, meeting?.phase, (await h.mails()).length, 'mails', d.error ?? '', d.cause ?? '');
};
await show('started');
for (let i = 0; i < 20; i++) {
  const next = await h.advanceToNext();
  if (!next) break;
  await show(`step ${i}`);
  const meeting = await store.getMeeting('mt1');
  if (meeting?.phase === 'agenda-approval') {
    const approve = (await h.mailsTo('chair@example.org')).find((x) => /утвержден/i.test(x.subject))?.links[0];
    if (approve) { const r = await h.post(approve, {}); console.log('approve', r.status); }
  }
  if (meeting?.phase === 'in-session') {
    for (const who of ['chair', 'deputy', 'sec', 'm1']) {
      const mail = (await h.mailsTo(`${who}@example.org`)).find((x) => /бюллетень|голосован/i.test(x.subject));
      const link = mail?.links[0];
      if (link) { const r = await h.post(link, { vote_i1: 'for' }); console.log('vote', who, r.status); }
    }
  }
  if (meeting?.phase === 'protocol-signing') {
    for (const who of ['chair', 'deputy', 'sec', 'm1']) {
      const mail = (await h.mailsTo(`${who}@example.org`)).find((x) => /подпис/i.test(x.subject));
      const link = mail?.links[0];
      if (link) { const page = await h.get(link); const hash = /name="sha256" value="([0-9a-f]{64})"/.exec(page.text)?.[1]; if (hash) { const r = await h.post(link, { sha256: hash }); console.log('sign', who, r.status); } }
    }
  }
}
for (const mail of await h.mails()) console.log(mail.to.join(','), '|', mail.subject, '|', mail.attachments.map((a) => a.filename).join(','));
console.log((await store.listAudit('mt1')).map((a) => a.action).join(' '));
await h.stop();
