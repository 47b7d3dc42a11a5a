import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { protocolHash } from '../../../functions/protocol/html.ts';
import {
  defaultProtocolFonts,
  fontsFromDirectory,
  PROTOCOL_FONT_FILES,
  renderProtocolPdf,
} from '../../../functions/protocol/pdf.ts';
import { fullModel, noQuorumModel } from './fixtures.ts';
import { extractPdfText } from './pdf-text.ts';

const collapse = (s: string) => s.replace(/\s+/g, ' ');

describe('renderProtocolPdf', () => {
  it('produces a compressed PDF whose decoded text carries the Cyrillic requisites and page numbers', async () => {
    const model = fullModel();
    const pdf = await renderProtocolPdf(model, 'ru');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toContain('%%EOF');
    // Compressed output: the raw bytes do not contain the words; the decoded text does.
    expect(pdf.toString('latin1')).toContain('/FlateDecode');
    const text = extractPdfText(pdf);
    expect(text).toMatch(/[А-Яа-яЁё]/);
    expect(text).toContain('ПРОТОКОЛ');
    expect(text).toContain(collapse(model.bodyName));
    expect(text).toContain('Участвуют 9 из 16 членов рабочей группы; кворум имеется (9 × 2 ≥ 16, п. 3.3).');
    expect(text).toContain('СЛУШАЛИ');
    expect(text).toContain('РЕШИЛИ');
    expect(text).toContain('Решение принято решающим голосом председательствующего.');
    expect(text).toContain('Порядок подсчёта');
    expect(text).toContain('Приложения');
    expect(text).toContain('не подписано');
    expect(text).toContain(protocolHash(model));
    const pages = Number(/Страница 1 из (\d+)/.exec(text)?.[1]);
    expect(pages).toBeGreaterThan(1);
    for (let i = 1; i <= pages; i++) expect(text).toContain(`Страница ${i} из ${pages}`);
  });

  it('renders without compression on request, with the same text', async () => {
    const model = noQuorumModel();
    const [packed, plain] = await Promise.all([
      renderProtocolPdf(model, 'ru'),
      renderProtocolPdf(model, 'ru', { compress: false }),
    ]);
    expect(plain.toString('latin1')).not.toContain('/FlateDecode');
    expect(extractPdfText(plain)).toBe(extractPdfText(packed));
    expect(extractPdfText(plain)).toContain('кворума нет (7 × 2 < 16, п. 3.3)');
  });

  it('is byte-for-byte the same for the same model (no clock inside)', async () => {
    const [a, b] = await Promise.all([renderProtocolPdf(fullModel(), 'ru'), renderProtocolPdf(fullModel(), 'ru')]);
    expect(a.equals(b)).toBe(true);
  });

  it('renders English with page numbers', async () => {
    const text = extractPdfText(await renderProtocolPdf(fullModel(), 'en'));
    expect(text).toContain('MINUTES');
    expect(text).toContain('HEARD');
    expect(text).toMatch(/Page 1 of \d+/);
  });

  it('takes the fonts explicitly, as paths (a directory) or as bytes', async () => {
    const require = createRequire(import.meta.url);
    const ttf = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    expect(defaultProtocolFonts()).toEqual(fontsFromDirectory(ttf));
    const bytes = {
      regular: new Uint8Array(readFileSync(join(ttf, PROTOCOL_FONT_FILES.regular))),
      bold: new Uint8Array(readFileSync(join(ttf, PROTOCOL_FONT_FILES.bold))),
    };
    const [fromDir, fromBytes] = await Promise.all([
      renderProtocolPdf(fullModel(), 'ru', { fonts: fontsFromDirectory(ttf) }),
      renderProtocolPdf(fullModel(), 'ru', { fonts: bytes }),
    ]);
    expect(extractPdfText(fromBytes)).toBe(extractPdfText(fromDir));
    await expect(renderProtocolPdf(fullModel(), 'ru', { fonts: fontsFromDirectory('/nonexistent') })).rejects.toThrow();
  });
});
