import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Lang } from '../../../functions/domain/types.ts';
import {
  attendancePage,
  ballotPage,
  dissentPage,
  errorPage,
  opinionFieldName,
  PAGE_CSP,
  PAGE_CSS,
  proposalPage,
  signPage,
  successPage,
  voteFieldName,
  type ErrorReason,
  type PageFacts,
  type PageResult,
} from '../../../functions/pages/index.ts';
import { protocolHash, renderProtocolArticle } from '../../../functions/protocol/html.ts';
import { fullModel } from '../protocol/fixtures.ts';

const XSS_SCRIPT = '<script>alert(1)</script>';
const XSS_ATTR = `"'><img src=x onerror=alert(1)>`;
const EVIL = `${XSS_SCRIPT}${XSS_ATTR}`;
const EVIL_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;';

const ACTION = '/l/tok_AbC123?x=1&y=2';
const MEETING_START = '2026-03-10T06:00:00Z';

function facts(lang: Lang, overrides: Partial<PageFacts> = {}): PageFacts {
  return {
    lang,
    groupName: 'Рабочая группа по клиентоцентричности',
    meetingTitle: 'О внедрении стандартов клиентоцентричности',
    meetingStart: MEETING_START,
    timeZone: 'Europe/Astrakhan',
    place: 'ул. Чернышевского, 6',
    person: { name: 'Кузнецова Анна Ивановна', role: 'member' },
    ...overrides,
  };
}

const items = [
  { id: 'i1', title: 'Об утверждении плана мероприятий' },
  { id: 'i2', title: 'О создании подкомиссии' },
];

/** Rules every page follows: complete document, no script, no self-submission, no external assets. */
function expectSafePage(page: PageResult, lang: Lang): void {
  const doc = page.html;
  expect(doc.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(doc).toContain(`<html lang="${lang}">`);
  expect(doc).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  expect(doc).not.toMatch(/<script/i);
  expect(doc).not.toMatch(/http-equiv/i);
  expect(doc).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
  // Attribute names of every real tag (quoted values removed): no event handlers, no style attributes.
  for (const tag of doc.match(/<[a-zA-Z][^>]*>/g) ?? []) {
    const names = tag.replace(/"[^"]*"/g, '""');
    expect(names).not.toMatch(/\son[a-z]+=/i);
    expect(names).not.toMatch(/\sstyle=/i); // CSP without 'unsafe-inline'
  }
  expect(doc.match(/<style>/g)).toHaveLength(1);
}

function expectPostForms(page: PageResult, count: number): void {
  const forms = page.html.match(/<form\b[^>]*>/g) ?? [];
  expect(forms).toHaveLength(count);
  for (const f of forms) {
    expect(f).toContain('method="post"');
    expect(f).toContain('action="/l/tok_AbC123?x=1&amp;y=2"');
  }
  const submits = page.html.match(/<button type="submit"/g) ?? [];
  expect(submits.length).toBeGreaterThanOrEqual(count);
}

function expectFacts(page: PageResult, lang: Lang): void {
  expect(page.html).toContain('О внедрении стандартов клиентоцентричности');
  expect(page.html).toContain('Кузнецова Анна Ивановна');
  expect(page.html).toContain(lang === 'ru' ? '10 марта 2026 г., 10:00 (Europe/Astrakhan, UTC+04:00)' : '10 March 2026, 10:00 (Europe/Astrakhan, UTC+04:00)');
  expect(page.html).toContain('ул. Чернышевского, 6');
}

/** Every user-provided value must appear escaped, never raw. */
function expectEscaped(doc: string): void {
  expect(doc).not.toContain(XSS_SCRIPT);
  expect(doc).not.toContain('<img');
  expect(doc).not.toContain(`"'>`);
  expect(doc).toContain(EVIL_ESCAPED);
}

describe('layout', () => {
  it('the CSP allows exactly the page style and no scripts', () => {
    const hash = createHash('sha256').update(PAGE_CSS, 'utf8').digest('base64');
    expect(PAGE_CSP).toContain(`style-src 'sha256-${hash}'`);
    expect(PAGE_CSP).toContain("default-src 'none'");
    expect(PAGE_CSP).not.toContain('script-src');
    expect(PAGE_CSP).not.toContain('unsafe-inline');
    const page = ballotPage({ facts: facts('ru'), action: ACTION, items, current: {}, voteCloses: '2026-03-10T08:00:00Z' });
    expect(page.html).toContain(`<style>${PAGE_CSS}</style>`);
  });
});

describe.each(['ru', 'en'] as const)('form pages (%s)', (lang) => {
  it('proposal page: facts, deadline, two POST forms with text fields', () => {
    const page = proposalPage({ facts: facts(lang), action: ACTION, deadline: '2026-03-05T19:59:59Z' });
    expect(page.status).toBe(200);
    expectSafePage(page, lang);
    expectFacts(page, lang);
    expectPostForms(page, 2);
    expect(page.html).toContain(lang === 'ru' ? 'Предложения принимаются до 5 марта 2026 г., 23:59 (Europe/Astrakhan, UTC+04:00)' : 'Proposals are accepted until 5 March 2026, 23:59 (Europe/Astrakhan, UTC+04:00)');
    for (const name of ['title', 'description', 'speaker', 'inviteeName', 'inviteePosition', 'inviteeOrganisation', 'inviteeEmail', 'reason']) {
      expect(page.html).toContain(`name="${name}"`);
    }
    expect(page.html).toContain('name="kind" value="agenda-item"');
    expect(page.html).toContain('name="kind" value="invitation"');
  });

  it('attendance page: take part / be absent with an opinion per item and the deadline with its zone', () => {
    const page = attendancePage({
      facts: facts(lang),
      action: ACTION,
      agenda: items,
      opinionsDeadline: '2026-03-09T19:59:59Z',
      opinionsOpen: true,
      current: 'present',
    });
    expect(page.status).toBe(200);
    expectSafePage(page, lang);
    expectFacts(page, lang);
    expectPostForms(page, 2);
    expect(page.html).toContain('name="attendance" value="present"');
    expect(page.html).toContain('name="attendance" value="absent"');
    for (const item of items) {
      expect(page.html).toContain(`<textarea id="${opinionFieldName(item.id)}" name="${opinionFieldName(item.id)}"`);
      expect(page.html).toContain(item.title);
    }
    expect(page.html).toContain(lang === 'ru' ? '9 марта 2026 г., 23:59 (Europe/Astrakhan, UTC+04:00)' : '9 March 2026, 23:59 (Europe/Astrakhan, UTC+04:00)');
    expect(page.html).toContain(lang === 'ru' ? 'п. 2.7' : 'cl. 2.7');
    expect(page.html).toContain(lang === 'ru' ? 'Сейчас отмечено: вы примете участие.' : 'Currently recorded: you will take part.');
  });

  it('attendance page after the opinion deadline offers no opinion fields', () => {
    const page = attendancePage({
      facts: facts(lang),
      action: ACTION,
      agenda: items,
      opinionsDeadline: '2026-03-09T19:59:59Z',
      opinionsOpen: false,
    });
    expect(page.html).not.toContain('<textarea');
    expect(page.html).toContain(lang === 'ru' ? 'Срок приёма письменных мнений истёк' : 'The deadline for written opinions has passed');
    expectPostForms(page, 2);
  });

  it('ballot: a radio group per item, pre-filled with the current vote, change-until note', () => {
    const page = ballotPage({
      facts: facts(lang),
      action: ACTION,
      items,
      current: { i1: 'against', i2: undefined },
      voteCloses: '2026-03-10T08:00:00Z',
    });
    expect(page.status).toBe(200);
    expectSafePage(page, lang);
    expectFacts(page, lang);
    expectPostForms(page, 1);
    for (const item of items) {
      for (const v of ['for', 'against', 'abstain']) {
        expect(page.html).toContain(`type="radio" name="${voteFieldName(item.id)}" value="${v}"`);
      }
    }
    expect(page.html).toContain('name="vote_i1" value="against" checked');
    expect(page.html.match(/ checked/g)).toHaveLength(1);
    expect(page.html).toContain(lang === 'ru' ? 'Голос можно изменить до закрытия голосования' : 'You can change your vote until voting closes');
    expect(page.html).toContain(lang === 'ru' ? '10 марта 2026 г., 12:00 (Europe/Astrakhan, UTC+04:00)' : '10 March 2026, 12:00 (Europe/Astrakhan, UTC+04:00)');
  });

  it('dissent page: item choice and text', () => {
    const page = dissentPage({ facts: facts(lang), action: ACTION, items, deadline: '2026-03-17T19:59:59Z' });
    expect(page.status).toBe(200);
    expectSafePage(page, lang);
    expectFacts(page, lang);
    expectPostForms(page, 1);
    expect(page.html).toContain('<select id="itemId" name="itemId"');
    expect(page.html).toContain('<option value="i2">2. О создании подкомиссии</option>');
    expect(page.html).toContain('<textarea id="text" name="text" required');
  });

  it('sign page: shows the protocol, its SHA-256, posts the hash back, «Подписать»', () => {
    const model = fullModel();
    const hash = protocolHash(model);
    const page = signPage({
      facts: facts(lang),
      action: ACTION,
      protocolSha256: hash,
      protocol: renderProtocolArticle(model, lang, { variant: 'signable' }),
      protocolUrl: '/p/m-2026-03.html',
      pdfUrl: '/p/m-2026-03.pdf',
      signingDeadline: '2026-03-17T19:59:59Z',
    });
    expect(page.status).toBe(200);
    expectSafePage(page, lang);
    expectFacts(page, lang);
    expectPostForms(page, 1);
    expect(page.html).toContain(`<input type="hidden" name="sha256" value="${hash}">`);
    expect(page.html).toContain(`SHA-256: ${hash}`);
    expect(page.html).toContain(lang === 'ru' ? '>Подписать</button>' : '>Sign</button>');
    expect(page.html).toContain('<article class="protocol"');
    expect(page.html).toContain(lang === 'ru' ? 'ПРОТОКОЛ' : 'MINUTES');
    expect(page.html).toContain('href="/p/m-2026-03.pdf"');
  });
});

describe.each(['ru', 'en'] as const)('validation errors re-show the form, escaped (%s)', (lang) => {
  it('proposal (agenda item and invitation)', () => {
    const page = proposalPage({
      facts: facts(lang, { meetingTitle: EVIL, place: EVIL, person: { name: EVIL } }),
      action: ACTION,
      deadline: '2026-03-05T19:59:59Z',
      values: { kind: 'agenda-item', title: '', description: EVIL, speaker: EVIL },
      errors: { title: { code: 'required' } },
    });
    expect(page.status).toBe(422);
    expectSafePage(page, lang);
    expectEscaped(page.html);
    expect(page.html).toContain(lang === 'ru' ? 'Заполните это поле.' : 'Please fill in this field.');
    expect(page.html).toContain(`value="${EVIL_ESCAPED}"`);
    expect(page.html).toContain(`>${EVIL_ESCAPED}</textarea>`);

    const inv = proposalPage({
      facts: facts(lang),
      action: ACTION,
      deadline: '2026-03-05T19:59:59Z',
      values: { kind: 'invitation', inviteeName: EVIL, inviteePosition: EVIL, inviteeOrganisation: EVIL, inviteeEmail: EVIL, reason: EVIL },
      errors: { inviteeEmail: { code: 'invalid-email' } },
    });
    expect(inv.status).toBe(422);
    expectEscaped(inv.html);
    expect(inv.html.match(new RegExp(EVIL_ESCAPED.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g'))).toHaveLength(5);
    expect(inv.html).toContain('aria-invalid="true" aria-describedby="err-inviteeEmail"');
  });

  it('attendance opinions', () => {
    const page = attendancePage({
      facts: facts(lang),
      action: ACTION,
      agenda: [{ id: 'i1', title: EVIL }, { id: 'i2', title: 'x' }],
      opinionsDeadline: '2026-03-09T19:59:59Z',
      opinionsOpen: true,
      values: { opinions: { i1: EVIL, i2: 'y'.repeat(20) } },
      errors: { [opinionFieldName('i2')]: { code: 'too-long', max: 10 } },
    });
    expect(page.status).toBe(422);
    expectEscaped(page.html);
    expect(page.html).toContain(lang === 'ru' ? 'Не более 10 символов.' : 'At most 10 characters.');
    expect(page.html).toContain('y'.repeat(20));
  });

  it('ballot keeps the chosen input over the stored vote', () => {
    const page = ballotPage({
      facts: facts(lang),
      action: ACTION,
      items: [{ id: 'i1', title: EVIL }, { id: 'i2', title: 'x' }],
      current: { i1: 'against' },
      values: { i1: 'for', i2: EVIL },
      voteCloses: '2026-03-10T08:00:00Z',
      errors: { [voteFieldName('i2')]: { code: 'invalid-choice' } },
    });
    expect(page.status).toBe(422);
    expectEscaped(page.html);
    expect(page.html).toContain('name="vote_i1" value="for" checked');
    expect(page.html).not.toContain('value="against" checked');
    expect(page.html).toContain(lang === 'ru' ? 'Выберите один из вариантов.' : 'Choose one of the options.');
  });

  it('dissent', () => {
    const page = dissentPage({
      facts: facts(lang),
      action: ACTION,
      items: [{ id: EVIL, title: EVIL }],
      deadline: '2026-03-17T19:59:59Z',
      values: { itemId: EVIL, text: EVIL },
      errors: { text: { code: 'too-long', max: 5 } },
    });
    expect(page.status).toBe(422);
    expectEscaped(page.html);
    expect(page.html).toContain(`<option value="${EVIL_ESCAPED}" selected>`);
  });

  it('sign page escapes the protocol text and the links', () => {
    const m = fullModel();
    const page = signPage({
      facts: facts(lang),
      action: ACTION,
      protocolSha256: 'ab'.repeat(32),
      protocol: renderProtocolArticle({ ...m, title: EVIL }, lang, { variant: 'signable' }),
      protocolUrl: EVIL,
      signingDeadline: '2026-03-17T19:59:59Z',
    });
    expectEscaped(page.html);
  });
});

describe.each(['ru', 'en'] as const)('result pages (%s)', (lang) => {
  it('success shows what was recorded, escaped', () => {
    const page = successPage({
      facts: facts(lang),
      kind: 'vote',
      recordedAt: '2026-03-10T06:05:00Z',
      recorded: [[`1. ${EVIL}`, lang === 'ru' ? 'за' : 'for']],
      note: EVIL,
    });
    expect(page.status).toBe(200);
    expectSafePage(page, lang);
    expectEscaped(page.html);
    expect(page.html).toContain(lang === 'ru' ? 'Ваш голос учтён' : 'Your vote has been recorded');
    expect(page.html).toContain(lang === 'ru' ? '10 марта 2026 г., 10:05 (Europe/Astrakhan, UTC+04:00)' : '10 March 2026, 10:05 (Europe/Astrakhan, UTC+04:00)');
    expect(page.html).not.toMatch(/<form/);
  });

  const cases: Array<[ErrorReason, number, string, string]> = [
    ['expired', 410, 'Срок действия ссылки истёк', 'This link has expired'],
    ['revoked', 410, 'Ссылка отозвана', 'This link has been revoked'],
    ['unknown', 404, 'Ссылка не найдена', 'Link not found'],
    ['used', 409, 'Ссылка уже использована', 'This link has already been used'],
    ['voting-closed', 409, 'Голосование закрыто', 'Voting has closed'],
    ['ballot-not-stored', 409, 'Ничего не сохранено', 'Nothing was saved'],
    ['deadline-passed', 409, 'Срок истёк', 'The deadline has passed'],
    ['bad-request', 400, 'Некорректный запрос', 'Bad request'],
  ];
  it.each(cases)('%s → %i with a clear message', (reason, status, ru, en) => {
    const page = errorPage({ lang, reason, facts: facts(lang), deadline: '2026-03-10T08:00:00Z' });
    expect(page.status).toBe(status);
    expectSafePage(page, lang);
    expect(page.html).toContain(lang === 'ru' ? ru : en);
    expect(page.html).not.toMatch(/<form/);
  });

  it('an unknown (forged) link reveals no meeting facts', () => {
    const page = errorPage({ lang, reason: 'unknown', facts: facts(lang) });
    expect(page.html).not.toContain('Кузнецова');
    expect(page.html).not.toContain('О внедрении');
  });

  it('a late written opinion: says the deadline, that it is refused, shows the text back escaped', () => {
    const page = errorPage({
      lang,
      reason: 'deadline-passed',
      action: 'opinion',
      facts: facts(lang),
      deadline: '2026-03-09T19:59:59Z',
      refusedText: EVIL,
    });
    expect(page.status).toBe(409);
    expect(page.html).toContain(lang === 'ru' ? 'Письменное мнение не принято' : 'Your written opinion is refused');
    expect(page.html).toContain(lang === 'ru' ? '9 марта 2026 г., 23:59 (Europe/Astrakhan, UTC+04:00)' : '9 March 2026, 23:59 (Europe/Astrakhan, UTC+04:00)');
    expectEscaped(page.html);
  });

  it('an already signed protocol says so', () => {
    const page = errorPage({ lang, reason: 'used', action: 'signature', facts: facts(lang), usedAt: '2026-03-12T07:15:00Z' });
    expect(page.status).toBe(409);
    expect(page.html).toContain(lang === 'ru' ? 'Протокол уже подписан' : 'The minutes are already signed');
    expect(page.html).toContain(lang === 'ru' ? '12 марта 2026 г., 11:15' : '12 March 2026, 11:15');
  });
});
