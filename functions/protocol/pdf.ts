/**
 * The protocol as a PDF (A4, page numbers), drawn from the same blocks as the HTML
 * (document.ts), so both formats carry the same content. pdfkit's standard fonts have no
 * Cyrillic, so a DejaVu TrueType font is embedded.
 *
 * Fonts: by default they are resolved from the npm package `dejavu-fonts-ttf` (works in the repo
 * and in tests). A bundled Lambda has no node_modules: the bundle copies the TTF files next to the
 * handler and passes them explicitly — `renderProtocolPdf(model, lang, { fonts: fontsFromDirectory(dir) })`
 * or as bytes — or sets KVORUM_FONT_DIR to that directory.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import type { Lang } from '../domain/types.ts';
import { buildProtocolDocument, protocolTitle, type Block, type ProtocolVariant } from './document.ts';
import { protocolHash } from './html.ts';
import { signableModel, type ProtocolModel } from './model.ts';

/** A TrueType font as a file path or its bytes. */
export type FontSource = string | Uint8Array;

export interface ProtocolFonts {
  regular: FontSource;
  bold: FontSource;
}

/** The file names the PDF uses; a Lambda bundle copies exactly these next to the handler. */
export const PROTOCOL_FONT_FILES = { regular: 'DejaVuSerif.ttf', bold: 'DejaVuSerif-Bold.ttf' } as const;

/** Fonts from a directory holding PROTOCOL_FONT_FILES (e.g. the Lambda bundle's directory). */
export function fontsFromDirectory(dir: string): ProtocolFonts {
  return { regular: join(dir, PROTOCOL_FONT_FILES.regular), bold: join(dir, PROTOCOL_FONT_FILES.bold) };
}

/** KVORUM_FONT_DIR if set, else the `dejavu-fonts-ttf` package's ttf/ directory. */
export function defaultProtocolFonts(): ProtocolFonts {
  const fromEnv = process.env.KVORUM_FONT_DIR;
  if (fromEnv) return fontsFromDirectory(fromEnv);
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dejavu-fonts-ttf/package.json'));
  return fontsFromDirectory(join(packageDir, 'ttf'));
}

export interface RenderProtocolPdfOptions {
  fonts?: ProtocolFonts;
  /** Compress content streams (default true). */
  compress?: boolean;
  /** 'full' (default) or 'signable' — as in the HTML renderer. */
  variant?: ProtocolVariant;
}

const MM = 72 / 25.4;
const MARGINS = { top: 20 * MM, right: 15 * MM, bottom: 20 * MM, left: 25 * MM };

function fontBytes(src: FontSource): Buffer {
  return typeof src === 'string' ? readFileSync(src) : Buffer.from(src);
}

export async function renderProtocolPdf(
  model: ProtocolModel,
  lang: Lang = 'ru',
  options: RenderProtocolPdfOptions = {},
): Promise<Buffer> {
  const variant = options.variant ?? 'full';
  const fonts = options.fonts ?? defaultProtocolFonts();
  const regular = fontBytes(fonts.regular);
  const bold = fontBytes(fonts.bold);
  const source = variant === 'signable' ? signableModel(model) : model;
  const signableSha256 = variant === 'full' ? protocolHash(model, model.signedLang ?? 'ru') : undefined;
  const blocks = buildProtocolDocument(source, lang, { variant, signableSha256 });
  // A fixed creation date keeps the output stable for the same model (no clock here).
  const created = new Date(model.signedAt ?? model.meetingStart);

  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGINS,
    bufferPages: true,
    compress: options.compress ?? true,
    lang: lang === 'ru' ? 'ru-RU' : 'en-GB',
    displayTitle: true,
    // pdfkit loads its default font at construction; give it ours so no Helvetica AFM is needed.
    font: regular as unknown as string,
    info: {
      Title: protocolTitle(model, lang),
      Author: model.bodyName,
      Subject: model.title,
      Creator: 'Kvorum',
      Producer: 'Kvorum',
      CreationDate: created,
      ModDate: created,
    },
  });
  doc.registerFont('Regular', regular);
  doc.registerFont('Bold', bold);

  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = MARGINS.left;
  const width = doc.page.width - MARGINS.left - MARGINS.right;
  for (const block of blocks) drawBlock(doc, block, left, width);

  // Page numbers: «Страница 2 из 5» at the bottom of every page.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing inside the margin must not start a new page
    const label = lang === 'ru' ? `Страница ${i + 1} из ${range.count}` : `Page ${i + 1} of ${range.count}`;
    doc.font('Regular').fontSize(9).fillColor('#444444')
      .text(label, left, doc.page.height - bottom / 2 - 5, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}

function drawBlock(doc: PDFKit.PDFDocument, b: Block, left: number, width: number): void {
  doc.fillColor('#111111');
  switch (b.kind) {
    case 'header':
      doc.font('Bold').fontSize(12);
      for (const line of b.lines) doc.text(line, left, undefined, { width, align: 'center' });
      doc.moveDown(1);
      return;
    case 'title':
      doc.font('Bold').fontSize(16).text(b.text, left, undefined, { width, align: 'center', characterSpacing: 2 });
      doc.font('Regular').fontSize(12);
      for (const line of b.sub) doc.text(line, left, undefined, { width, align: 'center' });
      doc.moveDown(1);
      return;
    case 'fields':
      doc.fontSize(12);
      for (const [label, value] of b.rows) {
        doc.font('Bold').text(`${label}: `, left, undefined, { width, continued: true });
        doc.font('Regular').text(value);
      }
      doc.moveDown(0.5);
      return;
    case 'heading':
      doc.moveDown(0.5);
      doc.font('Bold').fontSize(13).text(b.text, left, undefined, { width });
      doc.moveDown(0.3);
      return;
    case 'subheading':
      doc.font('Bold').fontSize(11).text(b.text, left, undefined, { width });
      return;
    case 'para': {
      const color = b.tone === 'warning' ? '#8a0000' : b.tone === 'note' ? '#444444' : '#111111';
      doc.fillColor(color).fontSize(b.tone === 'note' ? 10.5 : 12);
      if (b.label && b.text) {
        doc.font('Bold').text(`${b.label}: `, left, undefined, { width, continued: true });
        doc.font('Regular').text(b.text);
      } else if (b.label) {
        doc.font('Bold').text(`${b.label}:`, left, undefined, { width });
      } else {
        doc.font('Regular').text(b.text, left, undefined, { width });
      }
      doc.moveDown(0.3);
      return;
    }
    case 'list':
      doc.font('Regular').fontSize(12);
      b.items.forEach((item, i) => {
        doc.text(`${b.ordered ? `${i + 1}.` : '•'} ${item}`, left + 14, undefined, { width: width - 14 });
      });
      doc.moveDown(0.4);
      return;
    case 'quote':
      doc.font('Regular').fontSize(11.5).text(b.text, left + 18, undefined, { width: width - 18 });
      doc.moveDown(0.6);
      return;
    case 'signature':
      doc.moveDown(0.4);
      doc.font('Regular').fontSize(12).text(`${b.capacity}: ____________________ ${b.name}`, left, undefined, { width });
      b.status.forEach((line, i) => {
        if (!b.signed && i === 0) doc.font('Bold').fillColor('#8a0000').fontSize(11);
        else doc.font('Regular').fillColor('#333333').fontSize(9);
        doc.text(line, left + 14, undefined, { width: width - 14 });
      });
      return;
  }
}
