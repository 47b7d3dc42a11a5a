/**
 * `npm start`: the whole Kvorum system on this machine, no AWS account, no Docker.
 * Data lives in .data/ (git-ignored); meetings in progress continue after a restart.
 */
import './quiet-warnings.ts';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OffsetClock } from '../functions/lib/clock.ts';
import { html } from '../functions/lib/html.ts';
import { formatInstant } from '../functions/lib/format.ts';
import { defaultGroupSettings } from '../functions/domain/deadlines.ts';
import type { Member } from '../functions/domain/types.ts';
import { ROOT, startLocalSystem, type LocalSystem, type LocalSystemOnRealSes } from './system.ts';
import { writeFileAtomicSync } from './atomic-file.ts';
import { LocalConfigError, dataDirFromEnv, describeLocalConfig, localConfigFromEnv, type LocalConfig } from './config.ts';

const DATA = dataDirFromEnv(process.env, ROOT);
const CLOCK_FILE = path.join(DATA, 'clock.json');
/** The console's tokens are signed with this key; kept so they survive a restart (until they expire). */
const ISSUER_KEY_FILE = path.join(DATA, 'local-issuer-key.jwk.json');
const TZ = 'Europe/Astrakhan';

export const DEMO_GROUP_ID = 'demo';
export const DEMO_MEMBERS: Member[] = [
  { id: 'chair', name: 'Иванов Иван Иванович', email: 'chair@kvorum.local', role: 'chair', position: 'заместитель главы администрации', lang: 'ru' },
  { id: 'deputy', name: 'Петрова Анна Сергеевна', email: 'deputy@kvorum.local', role: 'deputy', position: 'начальник управления', lang: 'ru' },
  { id: 'secretary', name: 'Сидорова Мария Олеговна', email: 'secretary@kvorum.local', role: 'secretary', position: 'главный специалист', lang: 'ru' },
  { id: 'm1', name: 'Кузнецов Олег Петрович', email: 'kuznetsov@kvorum.local', role: 'member', lang: 'ru' },
  { id: 'm2', name: 'Смирнова Елена Викторовна', email: 'smirnova@kvorum.local', role: 'member', lang: 'ru' },
  { id: 'm3', name: 'Васильев Дмитрий Андреевич', email: 'vasiliev@kvorum.local', role: 'member', lang: 'ru' },
  { id: 'm4', name: 'Новикова Ольга Игоревна', email: 'novikova@kvorum.local', role: 'member', lang: 'ru' },
  { id: 'm5', name: 'John Smith', email: 'smith@kvorum.local', role: 'member', lang: 'en' },
];

/** Locally the demo secretary runs the system: she gets the production calendar warnings (the stack's OpsEmail). */
const LOCAL_OPS_ADDRESS = DEMO_MEMBERS.find((m) => m.role === 'secretary')!.email;

function loadClock(): OffsetClock {
  try {
    const saved = JSON.parse(readFileSync(CLOCK_FILE, 'utf8')) as { offsetMs?: number };
    return new OffsetClock({ offsetMs: Number(saved.offsetMs) || 0 });
  } catch {
    return new OffsetClock();
  }
}

function saveClock(clock: OffsetClock): void {
  writeFileAtomicSync(CLOCK_FILE, JSON.stringify({ offsetMs: clock.offsetMs }, null, 2));
}

async function consolePage(system: LocalSystem | LocalSystemOnRealSes, clock: OffsetClock): Promise<string> {
  const next = system.runtime.nextWakeUp();
  const meetings = await system.deps.store.listMeetingsByGroup(DEMO_GROUP_ID);
  const chairToken = await system.issuer.issue({ sub: 'chair', email: 'chair@kvorum.local', groups: ['chair'] });
  const secretaryToken = await system.issuer.issue({ sub: 'secretary', email: 'secretary@kvorum.local', groups: ['secretary'] });
  return html`<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>Kvorum — local</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}code,textarea{font-size:.85rem}textarea{width:100%;height:4.5rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}button{font-size:1rem;padding:.4rem .9rem}</style></head><body>
<h1>Kvorum — локальная система</h1>
${system.urls.mailbox
  ? html`<p>Почтовый ящик (все письма): <a href="${system.urls.mailbox}">${system.urls.mailbox}</a></p>`
  : html`<p>Письма уходят настоящим адресатам (SES_ENDPOINT); почтового ящика нет.</p>`}
<h2>Часы</h2>
<p>Сейчас: <b>${formatInstant(clock.now(), TZ, 'ru')}</b>. Следующий срок: ${next ? formatInstant(next, TZ, 'ru') : '—'}.</p>
<form method="post" action="/local/clock/next"><button type="submit">Перевести часы к следующему сроку</button></form>
<h2>Созвать заседание</h2>
<form method="post" action="/local/convene"><input type="hidden" name="key" value="${randomUUID()}">
<p><label>Тема <input name="title" value="Заседание рабочей группы" size="40"></label></p>
<p><label>Дата <input name="date" type="date" value="${new Date(clock.now().getTime() + 10 * 86400000).toISOString().slice(0, 10)}"></label>
<label>Время <input name="time" value="10:00" size="5"></label> (${TZ})</p>
<p><label>Место <input name="place" value="г. Астрахань, ул. Чернышевского, 6, каб. 210" size="50"></label></p>
<p><label>Вопрос повестки <input name="item" value="О плане работы рабочей группы" size="50"></label></p>
<button type="submit">Созвать (как председатель)</button></form>
<h2>Заседания</h2>
<table><tr><th>№</th><th>Тема</th><th>Начало</th><th>Фаза</th><th>Id</th></tr>
${meetings.map((m) => html`<tr><td>${m.number ?? ''}</td><td>${m.title}</td><td>${formatInstant(m.startsAt, m.timeZone, 'ru')}</td><td>${m.phase}</td><td><code>${m.id}</code></td></tr>`)}</table>
<h2>Администраторский API</h2>
<p>Токен председателя (Authorization: Bearer …):</p><textarea readonly>${chairToken}</textarea>
<p>Токен секретаря:</p><textarea readonly>${secretaryToken}</textarea>
<p>Например: <code>curl -H "Authorization: Bearer $TOKEN" ${system.urls.http}/admin/meetings/&lt;id&gt;</code></p>
</body></html>`.value;
}

function configOrExit(): LocalConfig {
  try {
    return localConfigFromEnv(process.env);
  } catch (error) {
    if (!(error instanceof LocalConfigError)) throw error;
    console.error(`npm start: ${error.message}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  mkdirSync(DATA, { recursive: true });
  const clock = loadClock();
  let system!: LocalSystem | LocalSystemOnRealSes;
  const extraHttp = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(await consolePage(system, clock));
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/local/clock/next') {
      const next = system.runtime.nextWakeUp();
      if (next) {
        clock.advanceTo(next);
        saveClock(clock);
        console.log(`clock moved to ${next.toISOString()}`);
      }
      res.writeHead(303, { location: '/' }).end();
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/local/convene') {
      const form = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      const token = await system.issuer.issue({ sub: 'chair', email: 'chair@kvorum.local', groups: ['chair'] });
      const response = await fetch(`${system.urls.http}/admin/groups/${DEMO_GROUP_ID}/meetings`, {
        method: 'POST',
        // A double click or a reload re-sends the same key: the meeting is convened once.
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(form.key ? { 'idempotency-key': form.key } : {}) },
        body: JSON.stringify({
          title: form.title,
          date: form.date,
          time: form.time,
          ...(form.place ? { place: form.place } : {}),
          agenda: form.item ? [{ title: form.item, speakers: ['secretary'] }] : [],
        }),
      });
      const text = await response.text();
      if (response.ok) res.writeHead(303, { location: '/' }).end();
      else res.writeHead(response.status, { 'content-type': 'application/json; charset=utf-8' }).end(text);
      return true;
    }
    return false;
  };

  system = await startLocalSystem({
    clock,
    dataDir: path.join(DATA, 'dynamodb'),
    documentsDir: path.join(DATA, 's3'),
    s3Port: config.ports.s3,
    httpPort: config.ports.http,
    sfnPort: config.ports.sfn,
    dynamoPort: config.ports.dynamodb,
    mailboxPort: config.ports.mailbox,
    ...(config.mail.kind === 'ses' ? { realSes: { endpoint: config.mail.endpoint, region: config.mail.region } } : {}),
    senderAddress: config.mail.senderAddress,
    ...(config.publicBaseUrl ? { publicBaseUrl: config.publicBaseUrl } : {}),
    ...(config.linkKeyring ? { linkSecret: config.linkKeyring } : {}),
    issuerKeyFile: ISSUER_KEY_FILE,
    extraHttp,
    opsAddress: LOCAL_OPS_ADDRESS,
    // At start, then once per day of the clock (also after «Перевести часы»): at most one e-mail a week.
    calendarCheck: true,
    secretaryDigest: true,
  });

  if (!(await system.deps.store.getGroup(DEMO_GROUP_ID))) {
    await system.deps.store.putGroup({
      id: DEMO_GROUP_ID,
      bodyName: 'Администрация муниципального образования «Городской округ город Астрахань»',
      name: 'Рабочая группа по внедрению клиентоцентричности оказания муниципальных услуг',
      settings: { ...defaultGroupSettings, timeZone: TZ },
      members: DEMO_MEMBERS,
    });
    console.log('Seeded the demo group "demo" (chair, deputy, secretary, 5 members; addresses @kvorum.local).');
  }
  const resumed = await system.resumeActiveMeetings();
  if (resumed.length > 0) console.log(`Resumed ${resumed.length} meeting(s) in progress: ${resumed.join(', ')}`);
  const firstRun = !existsSync(CLOCK_FILE);
  saveClock(clock);

  console.log(`
Kvorum is running locally (Ctrl+C to stop).
  Console (convene, move the clock):  ${system.urls.http}/
${system.urls.mailbox ? `  Mailbox (every e-mail sent):        ${system.urls.mailbox}\n` : ''}  HTTP API (member links, /admin):    ${system.urls.http}
  Step Functions endpoint:            ${system.urls.sfn}
  DynamoDB endpoint (dynalite):       ${system.urls.dynamodb}   data in ${path.join(DATA, 'dynamodb')}
  S3 endpoint (s3rver, documents):    ${system.urls.s3}   data in ${path.join(DATA, 's3')}
  Production calendar warnings to:    ${LOCAL_OPS_ADDRESS} (checked daily, e-mailed at most weekly)
  Admin tokens signed with:           ${ISSUER_KEY_FILE} (tokens survive a restart)
${describeLocalConfig(config, system.urls.http).map((line) => `  ${line}`).join('\n')}
${firstRun ? `
How to run a meeting: open the console, press «Созвать»; read the e-mails in the mailbox and open their
links as the members would; press «Перевести часы к следующему сроку» to skip to the next deadline.
` : ''}`);

  const shutdown = async () => {
    saveClock(clock);
    await system.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

await main();
