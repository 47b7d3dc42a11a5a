/**
 * One description of an e-mail body → its plain-text and HTML versions, so the two never drift apart.
 * Every string put into a block is treated as untrusted text: the HTML renderer escapes it through
 * the `html` tagged template (SPEC «Bad input»: text people write is shown escaped, e-mails included);
 * the text renderer prints it as is (harmless in text/plain). Links must be http(s) URLs.
 */
import type { Lang } from '../domain/types.ts';
import { html, type SafeHtml } from '../lib/html.ts';

export type Block =
  | { kind: 'p'; text: string }
  | { kind: 'heading'; text: string }
  | { kind: 'facts'; rows: Array<[label: string, value: string]> }
  | { kind: 'list'; ordered: boolean; items: Array<{ text: string; detail?: string }> }
  | { kind: 'link'; label: string; url: string }
  | { kind: 'code'; label: string; value: string }
  | { kind: 'quote'; label: string; text: string }
  | { kind: 'note'; text: string };

export interface Layout {
  lang: Lang;
  subject: string;
  greetingName: string;
  blocks: Block[];
  /** Shown under the body, e.g. the group name. */
  signature: string;
  /** Adds the "links are personal" warning. */
  personalLinks: boolean;
}

/** Only http(s) links go into e-mails (no javascript:, data:, …). */
export function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`mail: invalid link ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`mail: only http(s) links are allowed, got ${parsed.protocol}`);
  }
  return parsed.toString();
}

const t = (lang: Lang, ru: string, en: string): string => (lang === 'en' ? en : ru);

function personalNote(lang: Lang): string {
  return t(
    lang,
    'Ссылки в этом письме персональные: не пересылайте его. Открытие ссылки ничего не меняет — действие выполняется только кнопкой на открывшейся странице.',
    'The links in this e-mail are personal: do not forward it. Opening a link changes nothing — only the button on the page it opens acts.',
  );
}

/** «Здравствуйте, Мария!» / "Dear Maria," — plain text; the HTML renderer escapes it. */
function greeting(layout: Layout): string {
  return layout.lang === 'en' ? `Dear ${layout.greetingName},` : `Здравствуйте, ${layout.greetingName}!`;
}

export function renderText(layout: Layout): string {
  const out: string[] = [greeting(layout), ''];
  for (const block of layout.blocks) {
    switch (block.kind) {
      case 'p':
        out.push(block.text, '');
        break;
      case 'heading':
        out.push(block.text.toUpperCase(), '');
        break;
      case 'facts':
        for (const [label, value] of block.rows) out.push(`${label}: ${value}`);
        out.push('');
        break;
      case 'list':
        block.items.forEach((item, i) => {
          out.push(`${block.ordered ? `${i + 1}.` : '-'} ${item.text}`);
          if (item.detail) out.push(`   ${item.detail}`);
        });
        out.push('');
        break;
      case 'link':
        out.push(`${block.label}:`, checkedUrl(block.url), '');
        break;
      case 'code':
        out.push(`${block.label}:`, block.value, '');
        break;
      case 'quote':
        out.push(`${block.label}:`, ...block.text.split(/\r\n|\r|\n/).map((line) => `> ${line}`), '');
        break;
      case 'note':
        out.push(block.text, '');
        break;
    }
  }
  if (layout.personalLinks) out.push(personalNote(layout.lang), '');
  out.push('--', layout.signature, '');
  return out.join('\n');
}

const styles = {
  body: 'margin:0;padding:24px;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1d2430;font-size:15px;line-height:1.5',
  card: 'max-width:640px;margin:0 auto;background:#ffffff;border-radius:6px;padding:24px',
  button:
    'display:inline-block;background:#1f5fae;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:4px;font-weight:bold',
  facts: 'border-collapse:collapse;margin:8px 0 16px',
  factLabel: 'padding:4px 16px 4px 0;color:#5b6573;vertical-align:top',
  code: 'font-family:Consolas,Menlo,monospace;font-size:13px;word-break:break-all;background:#f0f2f5;padding:4px 6px',
  quote: 'margin:8px 0 16px;padding:8px 12px;border-left:3px solid #c9d1dc;white-space:pre-wrap',
  note: 'color:#5b6573;font-size:13px',
};

function renderBlockHtml(block: Block): SafeHtml {
  switch (block.kind) {
    case 'p':
      return html`<p style="white-space:pre-wrap">${block.text}</p>`;
    case 'heading':
      return html`<h2 style="font-size:17px;margin:20px 0 8px">${block.text}</h2>`;
    case 'facts':
      return html`<table role="presentation" style="${styles.facts}">${block.rows.map(
        ([label, value]) => html`<tr><td style="${styles.factLabel}">${label}</td><td>${value}</td></tr>`,
      )}</table>`;
    case 'list': {
      const items = block.items.map(
        (item) => html`<li>${item.text}${item.detail ? html`<br><span style="${styles.note}">${item.detail}</span>` : ''}</li>`,
      );
      return block.ordered ? html`<ol>${items}</ol>` : html`<ul>${items}</ul>`;
    }
    case 'link':
      return html`<p><a href="${checkedUrl(block.url)}" style="${styles.button}">${block.label}</a></p>`;
    case 'code':
      return html`<p>${block.label}:<br><code style="${styles.code}">${block.value}</code></p>`;
    case 'quote':
      return html`<p style="margin-bottom:0">${block.label}:</p><blockquote style="${styles.quote}">${block.text}</blockquote>`;
    case 'note':
      return html`<p style="${styles.note}">${block.text}</p>`;
  }
}

export function renderHtml(layout: Layout): string {
  const body = html`<!DOCTYPE html>
<html lang="${layout.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${layout.subject}</title></head>
<body style="${styles.body}">
<div style="${styles.card}">
<p>${greeting(layout)}</p>
${layout.blocks.map(renderBlockHtml)}
${layout.personalLinks ? html`<p style="${styles.note}">${personalNote(layout.lang)}</p>` : ''}
<hr style="border:none;border-top:1px solid #e1e5ea;margin:24px 0 12px">
<p style="${styles.note}">${layout.signature}</p>
</div>
</body>
</html>
`;
  return body.toString();
}
