/**
 * The protocol as a complete, printable, self-contained HTML document (inline CSS, A4 print styles,
 * no scripts, no external assets). Every piece of text is escaped by the `html` template.
 * Deterministic: the same model and language give the same bytes (no clock inside; times come
 * from the model and are shown with their time zone).
 *
 * What is signed (п. 2.6з, 3.4; SPEC lifecycle 6): the SHA-256 of the UTF-8 bytes of
 * `renderProtocolHtml(signableModel(model), lang, { variant: 'signable' })` — the rendered HTML
 * WITHOUT signature evidence, signing date and distribution date. Signing therefore never changes
 * the hash of what is signed, while any edit of the content (narrative, decisions, opinions,
 * participants …) does. The 'full' variant (default) adds the evidence and prints that hash.
 */
import { createHash } from 'node:crypto';
import type { Lang } from '../domain/types.ts';
import { html, raw, type SafeHtml } from '../lib/html.ts';
import { buildProtocolDocument, protocolTitle, type Block, type ProtocolVariant } from './document.ts';
import { signableModel, type ProtocolModel } from './model.ts';

/** Styles scoped under `.protocol`, so a member page can embed the protocol body too. */
export const PROTOCOL_CSS = `
.protocol{font-family:"DejaVu Serif","Times New Roman",Times,serif;font-size:12pt;line-height:1.45;color:#111;max-width:180mm;margin:0 auto;padding:8mm 0}
.protocol .p-header{text-align:center;font-weight:bold;text-transform:none;margin:0 0 6mm}
.protocol .p-header p{margin:0 0 1mm}
.protocol .p-title{text-align:center;margin:4mm 0 5mm}
.protocol .p-title h1{font-size:16pt;letter-spacing:.15em;margin:0 0 2mm}
.protocol .p-title p{margin:0 0 1mm}
.protocol table.p-fields{border-collapse:collapse;margin:0 0 4mm}
.protocol table.p-fields th{text-align:left;font-weight:normal;color:#444;padding:.5mm 4mm .5mm 0;vertical-align:top}
.protocol table.p-fields td{padding:.5mm 0;vertical-align:top}
.protocol h2{font-size:13pt;margin:6mm 0 2mm;page-break-after:avoid;break-after:avoid}
.protocol h3{font-size:12pt;font-style:italic;font-weight:normal;margin:3mm 0 1mm;page-break-after:avoid;break-after:avoid}
.protocol p{margin:0 0 2mm}
.protocol .p-label{font-weight:bold}
.protocol .p-warning{border-left:3px solid #a00;padding-left:3mm}
.protocol .p-note{color:#444;font-size:10.5pt}
.protocol ul,.protocol ol{margin:0 0 3mm;padding-left:8mm}
.protocol blockquote{white-space:pre-wrap;border-left:3px solid #888;margin:0 0 4mm;padding:1mm 0 1mm 4mm}
.protocol .p-signature{margin:4mm 0;page-break-inside:avoid;break-inside:avoid}
.protocol .p-signature .p-sigline{display:inline-block;min-width:45mm;border-bottom:1px solid #111;margin:0 3mm}
.protocol .p-signature .p-evidence{font-family:"DejaVu Sans Mono",monospace;font-size:9pt;overflow-wrap:anywhere;margin:0}
.protocol .p-unsigned{color:#a00;font-weight:bold}
`;

const DOCUMENT_CSS = `
@page{size:A4;margin:20mm 15mm 20mm 25mm}
html,body{margin:0;padding:0;background:#fff}
@media screen{body{padding:0 4mm}}
@media print{.protocol{padding:0;max-width:none}a{color:inherit;text-decoration:none}}
${PROTOCOL_CSS}`;

export interface RenderProtocolOptions {
  /** 'full' (default): with signature evidence, signing and distribution dates; 'signable': what is signed. */
  variant?: ProtocolVariant;
}

function renderBlock(b: Block): SafeHtml {
  switch (b.kind) {
    case 'header':
      return html`<header class="p-header">${b.lines.map((l) => html`<p>${l}</p>`)}</header>`;
    case 'title':
      return html`<div class="p-title"><h1>${b.text}</h1>${b.sub.map((l) => html`<p>${l}</p>`)}</div>`;
    case 'fields':
      return html`<table class="p-fields">${b.rows.map(([k, v]) => html`<tr><th scope="row">${k}:</th><td>${v}</td></tr>`)}</table>`;
    case 'heading':
      return b.id ? html`<h2 id="${b.id}">${b.text}</h2>` : html`<h2>${b.text}</h2>`;
    case 'subheading':
      return html`<h3>${b.text}</h3>`;
    case 'para': {
      const cls = b.tone === 'warning' ? 'p-warning' : b.tone === 'note' ? 'p-note' : '';
      const label = b.label ? html`<span class="p-label">${b.label}:</span>${b.text ? ' ' : ''}` : '';
      return cls ? html`<p class="${cls}">${label}${b.text}</p>` : html`<p>${label}${b.text}</p>`;
    }
    case 'list':
      return b.ordered
        ? html`<ol>${b.items.map((i) => html`<li>${i}</li>`)}</ol>`
        : html`<ul>${b.items.map((i) => html`<li>${i}</li>`)}</ul>`;
    case 'quote':
      return html`<blockquote>${b.text}</blockquote>`;
    case 'signature':
      return html`<div class="p-signature"><p>${b.capacity}: <span class="p-sigline"></span> ${b.name}</p>${b.status.map(
        (line, i) =>
          !b.signed && i === 0
            ? html`<p class="p-unsigned">${line}</p>`
            : html`<p class="p-evidence">${line}</p>`,
      )}</div>`;
  }
}

/** The protocol body (an `<article class="protocol">`), for embedding in a member page. */
export function renderProtocolArticle(model: ProtocolModel, lang: Lang, options: RenderProtocolOptions = {}): SafeHtml {
  const variant = options.variant ?? 'full';
  const source = variant === 'signable' ? signableModel(model) : model;
  const signableSha256 = variant === 'full' ? protocolHash(model, model.signedLang ?? 'ru') : undefined;
  const blocks = buildProtocolDocument(source, lang, { variant, signableSha256 });
  return html`<article class="protocol" lang="${lang}">${blocks.map(renderBlock)}</article>`;
}

/** A complete, printable HTML document of the protocol. */
export function renderProtocolHtml(model: ProtocolModel, lang: Lang = 'ru', options: RenderProtocolOptions = {}): string {
  const article = renderProtocolArticle(model, lang, options);
  return html`<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${protocolTitle(model, lang)}</title>
<style>${raw(DOCUMENT_CSS)}</style>
</head>
<body>
${article}
</body>
</html>
`.value;
}

/** SHA-256 (hex) of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The exact HTML people sign: the 'signable' variant (no evidence, no signing/distribution dates). */
export function renderSignableProtocolHtml(model: ProtocolModel, lang: Lang = 'ru'): string {
  return renderProtocolHtml(model, lang, { variant: 'signable' });
}

/**
 * SHA-256 (hex) of what is signed: the UTF-8 bytes of `renderSignableProtocolHtml(model, lang)`.
 * Adding signatures, the signing date or the distribution date leaves it unchanged.
 */
export function protocolHash(model: ProtocolModel, lang: Lang = 'ru'): string {
  return sha256Hex(renderSignableProtocolHtml(model, lang));
}

/** Content-Security-Policy for serving the protocol document: no scripts, only its own inline style. */
export const PROTOCOL_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(DOCUMENT_CSS, 'utf8').digest('base64')}'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
