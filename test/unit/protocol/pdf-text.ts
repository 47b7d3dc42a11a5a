/**
 * A small, honest text extractor for the PDFs pdfkit writes: it inflates FlateDecode streams,
 * reads each Type0 font's ToUnicode CMap, and decodes the glyph ids in the page content
 * streams' TJ/Tj operators through the CMap of the font selected by Tf. Whitespace between
 * text operations is collapsed to one space.
 */
import { inflateSync } from 'node:zlib';

interface PdfObject {
  num: number;
  dict: string;
  stream?: Buffer;
}

function parseObjects(pdf: Buffer): PdfObject[] {
  const text = pdf.toString('latin1');
  const objects: PdfObject[] = [];
  const re = /(\d+) 0 obj\s*([\s\S]*?)endobj/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = m[2] ?? '';
    const streamAt = body.indexOf('stream');
    if (streamAt < 0) {
      objects.push({ num: Number(m[1]), dict: body });
      continue;
    }
    const dict = body.slice(0, streamAt);
    let start = streamAt + 'stream'.length;
    if (body[start] === '\r') start++;
    if (body[start] === '\n') start++;
    const end = body.lastIndexOf('endstream');
    let raw = Buffer.from(body.slice(start, end), 'latin1');
    if (/\/FlateDecode/.test(dict)) raw = inflateSync(raw);
    objects.push({ num: Number(m[1]), dict, stream: raw });
  }
  return objects;
}

function parseCmap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  const ranges = /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*\[([^\]]*)\]/g;
  for (let r = ranges.exec(cmap); r; r = ranges.exec(cmap)) {
    let code = parseInt(r[1] ?? '0', 16);
    const entries = /<([0-9a-fA-F ]*)>/g;
    for (let e = entries.exec(r[3] ?? ''); e; e = entries.exec(r[3] ?? '')) {
      const hex = (e[1] ?? '').replace(/\s+/g, '');
      const units: number[] = [];
      for (let i = 0; i + 4 <= hex.length; i += 4) units.push(parseInt(hex.slice(i, i + 4), 16));
      map.set(code++, String.fromCharCode(...units));
    }
  }
  return map;
}

export function extractPdfText(pdf: Buffer): string {
  const objects = parseObjects(pdf);
  const byNum = new Map(objects.map((o) => [o.num, o]));
  const cmapOfFontObject = new Map<number, Map<number, string>>();
  for (const o of objects) {
    const tu = /\/ToUnicode (\d+) 0 R/.exec(o.dict);
    if (!/\/Type0/.test(o.dict) || !tu) continue;
    const cmapStream = byNum.get(Number(tu[1]))?.stream;
    if (cmapStream) cmapOfFontObject.set(o.num, parseCmap(cmapStream.toString('latin1')));
  }
  const fontByName = new Map<string, Map<number, string>>();
  for (const o of objects) {
    const refs = /\/(F\d+) (\d+) 0 R/g;
    for (let m = refs.exec(o.dict); m; m = refs.exec(o.dict)) {
      const cmap = cmapOfFontObject.get(Number(m[2]));
      if (cmap) fontByName.set(m[1] ?? '', cmap);
    }
  }
  const pieces: string[] = [];
  for (const o of objects) {
    if (!o.stream || !/\/Length/.test(o.dict) || /\/Type|\/Subtype|\/Length1/.test(o.dict)) continue;
    const content = o.stream.toString('latin1');
    let cmap: Map<number, string> | undefined;
    const ops = /\/(F\d+) [\d.]+ Tf|\[([^\]]*)\] TJ|<([0-9a-fA-F]*)> Tj/g;
    for (let m = ops.exec(content); m; m = ops.exec(content)) {
      if (m[1]) {
        cmap = fontByName.get(m[1]);
        continue;
      }
      const hexes = m[2] !== undefined ? [...m[2].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1] ?? '') : [m[3] ?? ''];
      let s = '';
      for (const hex of hexes) {
        for (let i = 0; i + 4 <= hex.length; i += 4) s += cmap?.get(parseInt(hex.slice(i, i + 4), 16)) ?? '\uFFFD';
      }
      pieces.push(s);
    }
  }
  return pieces.join(' ').replace(/\s+/g, ' ');
}
