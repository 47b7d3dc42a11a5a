import { describe, expect, it } from 'vitest';
import type { ProtocolModel } from '../../../functions/protocol/model.ts';
import { hasQuorum } from '../../../functions/protocol/model.ts';
import {
  protocolHash,
  renderProtocolHtml,
  renderSignableProtocolHtml,
  sha256Hex,
} from '../../../functions/protocol/html.ts';
import { fullModel, noQuorumModel, XSS_ATTR, XSS_SCRIPT } from './fixtures.ts';

/** The document's visible text: tags dropped, entities of the escaper decoded, whitespace collapsed. */
function visibleText(doc: string): string {
  return doc
    .replace(/<style>[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

function signAll(model: ProtocolModel, hash: string): ProtocolModel {
  return {
    ...model,
    signatures: model.signatures.map((s, i) =>
      i === 1 ? s : { ...s, evidence: { signedAt: '2026-03-12T07:15:00Z', documentSha256: hash, linkId: `lnk-${i}` } },
    ),
    signedAt: '2026-03-17T19:59:59Z',
    distribution: { sentAt: '2026-03-18T05:00:00Z' },
  };
}

describe('renderProtocolHtml (ru)', () => {
  const model = fullModel();
  const hash = protocolHash(model);
  const signed = signAll(model, hash);
  const doc = renderProtocolHtml(signed, 'ru');
  const text = visibleText(doc);

  it('is a complete, self-contained, script-free document', () => {
    expect(doc.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(doc).toContain('<html lang="ru">');
    expect(doc).toContain('<meta charset="utf-8">');
    expect(doc).toMatch(/@page\{size:A4/);
    expect(doc).not.toMatch(/<script|<link|src=|@import|url\(/i);
  });

  it('prints the header requisites: body, group, ПРОТОКОЛ, number, date with zone, place, title', () => {
    expect(text).toContain(model.bodyName);
    expect(text).toContain(model.groupName);
    expect(text).toContain('ПРОТОКОЛ');
    expect(text).toContain('№ 3');
    expect(text).toContain('10 марта 2026 г., 10:00 (Europe/Astrakhan, UTC+04:00)');
    expect(text).toContain('ул. Чернышевского, 6, каб. 10');
    expect(text).toContain('О внедрении стандартов клиентоцентричности');
  });

  it('names the stand-ins: deputy presiding for the absent chair, acting secretary (п. 2.4, 2.5)', () => {
    expect(text).toContain(
      'Председательствующий: заместитель председателя рабочей группы Петров Пётр Петрович (председатель Иванов Иван Иванович отсутствует, п. 2.4)',
    );
    expect(text).toContain('член рабочей группы Сидоров Сидор Сидорович, назначенный председательствующим исполнять обязанности секретаря');
    expect(text).toContain('секретарь рабочей группы Орлова Ольга Олеговна отсутствует, п. 2.5');
  });

  it('prints membership, every participant and absentee, the quorum arithmetic and the invitees', () => {
    expect(text).toContain('Состав рабочей группы: 16 чел.');
    for (const p of model.participants) expect(text).toContain(p.name);
    for (const a of model.absentees) expect(text).toContain(a.name);
    expect(text).toContain('Участвуют 9 из 16 членов рабочей группы; кворум имеется (9 × 2 ≥ 16, п. 3.3).');
    expect(text).toContain('Гостев Глеб Глебович, начальник отдела, Министерство экономического развития Астраханской области');
  });

  it('prints the agenda and СЛУШАЛИ / ВЫСТУПИЛИ / РЕШИЛИ per item', () => {
    expect(text).toContain('Повестка дня');
    for (const item of model.agenda) expect(text).toContain(item.title);
    expect(text.match(/СЛУШАЛИ:/g)).toHaveLength(2);
    expect(text.match(/ВЫСТУПИЛИ:/g)).toHaveLength(2);
    expect(text.match(/РЕШИЛИ:/g)).toHaveLength(2);
    expect(text).toContain('СЛУШАЛИ: Кузнецова Анна Ивановна — о проекте плана мероприятий');
    expect(text).toContain('Смирнов Олег Викторович: предложил дополнить план разделом об обучении');
  });

  it('shows the tie decided by the casting vote with the arithmetic', () => {
    expect(text).toContain('«за» — 4, «против» — 4, «воздержались» — 1, не голосовали — 0 (участвуют 9)');
    expect(text).toContain('Голоса разделились поровну (4 «за», 4 «против»); решающим является голос председательствующего (п. 3.2), который голосовал «за». Решение принято решающим голосом председательствующего.');
  });

  it('shows an item not adopted, with the majority needed and the non-voting participant', () => {
    expect(text).toContain('«за» — 3, «против» — 5, «воздержались» — 0, не голосовали — 1 (участвуют 9)');
    expect(text).toContain('не менее 5 «за» из 9. 3 < 5. Решение не принято.');
  });

  it('lists written opinions per item: the timely one attached, the late one marked late and refused (п. 2.7)', () => {
    expect(text).toContain('Лебедев Лев Львович: поступило 8 марта 2026 г., 14:00 (Europe/Astrakhan, UTC+04:00), в срок; рассмотрено и приобщено к протоколу как его неотъемлемая часть (приложение № 2)');
    expect(text).toContain('Козлов Кирилл Романович: поступило 10 марта 2026 г., 01:30 (Europe/Astrakhan, UTC+04:00), после срока (9 марта 2026 г., 23:59 (Europe/Astrakhan, UTC+04:00)); не принято, к протоколу не приобщено.');
    // The timely opinion's text is attached; the late one's is not.
    expect(text).toContain('Поддерживаю план.');
    expect(text).not.toContain('Против плана.');
  });

  it('references the dissenting opinion and attaches it; lists the appendices', () => {
    expect(text).toContain('Особые мнения: Смирнов Олег Викторович (приложение № 3)');
    expect(text).toContain('Не согласен с решением по вопросу 1.');
    expect(text).toContain('Приложения');
    expect(text).toContain('Приложение № 1. Проект плана мероприятий на 2026 год (5 л.)');
    expect(text).toContain('Приложение № 2. Письменное мнение отсутствующего члена рабочей группы по вопросу № 1 (п. 2.7) — Лебедев Лев Львович');
    expect(text).toContain('Приложение № 3. Особое мнение по вопросу № 1 (п. 2.6ж) — Смирнов Олег Викторович');
  });

  it('states the counting rules the system decided', () => {
    expect(text).toContain('Порядок подсчёта');
    expect(text).toContain('более половины участвующих');
    expect(text).toContain('решающим является голос председательствующего');
    expect(text).toContain('не проголосовавший по вопросу, учитывается как не проголосовавший «за»');
    expect(text).toContain('до 9 марта 2026 г., 23:59 (Europe/Astrakhan, UTC+04:00)');
  });

  it('prints signature blocks with evidence, records the missing signature, the signing and sending dates', () => {
    expect(text).toContain(`SHA-256 подписываемой версии протокола: ${hash}`);
    for (const s of model.signatures) expect(text).toContain(s.name);
    expect(text).toContain('Подписано простой электронной подписью по персональной ссылке: 12 марта 2026 г., 11:15 (Europe/Astrakhan, UTC+04:00)');
    expect(text).toContain(`SHA-256 подписанного документа: ${hash}`);
    expect(text).toContain('Ссылка: lnk-0');
    // The acting secretary did not sign.
    expect(text).toMatch(/Секретарь заседания \(исполняющий обязанности, п\. 2\.5\): Сидоров Сидор Сидорович не подписано/);
    expect(text.match(/не подписано/g)).toHaveLength(1);
    expect(text).not.toContain('другой версии');
    expect(text).toContain('Дата подписания: 17 марта 2026 г., 23:59 (Europe/Astrakhan, UTC+04:00)');
    expect(text).toContain('Направлен членам рабочей группы (п. 3.4): 18 марта 2026 г., 09:00 (Europe/Astrakhan, UTC+04:00)');
  });

  it('flags a signature made on another version', () => {
    const wrong = signAll(model, 'f'.repeat(64));
    expect(visibleText(renderProtocolHtml(wrong, 'ru'))).toContain('ВНИМАНИЕ: подпись относится к другой версии документа.');
  });

  it('before sending, says by when the protocol will be sent', () => {
    const pending = { ...model, distribution: { dueBy: '2026-03-20T19:59:59Z' } };
    expect(visibleText(renderProtocolHtml(pending, 'ru'))).toContain('будет направлен не позднее 20 марта 2026 г., 23:59 (Europe/Astrakhan, UTC+04:00)');
  });

  it('is deterministic', () => {
    expect(renderProtocolHtml(signed, 'ru')).toBe(doc);
  });
});

describe('a meeting without quorum', () => {
  const model = noQuorumModel();
  const text = visibleText(renderProtocolHtml(model, 'ru'));

  it('records the missing quorum with the arithmetic and that no decisions were taken', () => {
    expect(hasQuorum(model)).toBe(false);
    expect(text).toContain('Участвуют 7 из 16 членов рабочей группы; кворума нет (7 × 2 < 16, п. 3.3).');
    expect(text).toContain('решения не принимались');
    expect(text.match(/Решение не принималось: кворума нет \(п\. 3\.3\)\./g)).toHaveLength(model.agenda.length);
    expect(text).not.toContain('Решение принято.');
    expect(text).not.toContain('Итог:');
  });

  it('8 of 16 is a quorum (п. 3.3)', () => {
    expect(hasQuorum({ participants: Array.from({ length: 8 }, (_, i) => ({ name: `m${i}` })), membershipCount: 16 })).toBe(true);
  });
});

describe('chair presiding, own secretary, English', () => {
  const base = fullModel();
  const model: ProtocolModel = {
    ...base,
    presiding: { name: 'Иванов Иван Иванович', role: 'chair' },
    secretary: { name: 'Орлова Ольга Олеговна', acting: false },
  };
  it('names the chair and the secretary plainly (ru)', () => {
    const text = visibleText(renderProtocolHtml(model, 'ru'));
    expect(text).toContain('Председательствующий: председатель рабочей группы Иванов Иван Иванович');
    expect(text).toContain('Секретарь: секретарь рабочей группы Орлова Ольга Олеговна');
    expect(text).not.toContain('отсутствует, п. 2.4');
  });
  it('renders the English version with the same requisites', () => {
    const doc = renderProtocolHtml(base, 'en');
    const text = visibleText(doc);
    expect(doc).toContain('<html lang="en">');
    expect(text).toContain('MINUTES');
    expect(text).toContain('10 March 2026, 10:00 (Europe/Astrakhan, UTC+04:00)');
    expect(text).toContain('9 of 16 members of the working group take part; a quorum is present (9 × 2 ≥ 16, cl. 3.3).');
    expect(text).toContain('The votes are tied (4 for, 4 against)');
    expect(text).toContain('adopted by the presiding person\'s casting vote');
    expect(text).toContain('after the deadline');
    expect(text).toContain('HEARD');
    expect(text).toContain('DECIDED');
    expect(text).toContain('not signed');
    expect(text).toContain('deputy chair of the working group (the chair, Иванов Иван Иванович, is absent, cl. 2.4)');
  });
});

describe('escaping people\'s text', () => {
  it('escapes every field people write', () => {
    const m = fullModel();
    const evil = `${XSS_SCRIPT} ${XSS_ATTR}`;
    const model: ProtocolModel = {
      ...m,
      title: evil,
      place: evil,
      participants: [{ name: evil }, ...m.participants.slice(1)],
      invitees: [{ name: evil, position: evil, organisation: evil }],
      agenda: m.agenda.map((item) => ({
        ...item,
        title: evil,
        speakers: [evil],
        heard: evil,
        speeches: [{ speaker: evil, summary: evil }],
        decision: evil,
        writtenOpinions: item.writtenOpinions.map((o) => ({ ...o, author: evil, text: evil })),
      })),
      dissentingOpinions: m.dissentingOpinions.map((d) => ({ ...d, author: evil, text: evil })),
      materials: [{ title: evil, note: evil }],
      signatures: m.signatures.map((s) => ({ ...s, name: evil, evidence: { signedAt: '2026-03-12T07:15:00Z', documentSha256: evil, linkId: evil } })),
    };
    for (const lang of ['ru', 'en'] as const) {
      const doc = renderProtocolHtml(model, lang);
      expect(doc).not.toContain('<script>');
      expect(doc).not.toContain('<img');
      expect(doc).not.toContain(`"'>`);
      expect(doc).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(doc).toContain('&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;');
      // The escaped text still reads as what the person wrote.
      expect(visibleText(doc)).toContain(evil);
    }
  });
});

describe('protocolHash', () => {
  const model = fullModel();
  const hash = protocolHash(model);

  it('is the SHA-256 hex of the signable HTML', () => {
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(sha256Hex(renderSignableProtocolHtml(model, 'ru')));
    expect(protocolHash(fullModel())).toBe(hash);
  });

  it('the signable version carries no evidence, signing date or sending date', () => {
    const signable = visibleText(renderSignableProtocolHtml(signAll(model, hash), 'ru'));
    expect(signable).not.toContain('Подписано простой электронной подписью');
    expect(signable).not.toContain('Дата подписания');
    expect(signable).not.toContain('не подписано');
    for (const s of model.signatures) expect(signable).toContain(s.name);
  });

  it('does not change when signatures, the signing date or the sending date are added', () => {
    expect(protocolHash(signAll(model, hash))).toBe(hash);
  });

  it('changes when the narrative changes', () => {
    const edited: ProtocolModel = {
      ...model,
      agenda: model.agenda.map((item, i) =>
        i === 0 ? { ...item, speeches: [...item.speeches, { speaker: 'Попов Игорь Николаевич', summary: 'поддержал' }] } : item,
      ),
    };
    expect(protocolHash(edited)).not.toBe(hash);
    const decision: ProtocolModel = {
      ...model,
      agenda: model.agenda.map((item, i) => (i === 1 ? { ...item, decision: `${item.decision} ` } : item)),
    };
    expect(protocolHash(decision)).not.toBe(hash);
    expect(protocolHash({ ...model, dissentingOpinions: [] })).not.toBe(hash);
  });

  it('depends on the language of the version signed', () => {
    expect(protocolHash(model, 'en')).not.toBe(hash);
  });
});
