/** CSV as Excel in a Russian locale reads and writes it: UTF-8 with BOM, `;`, CRLF, quotes doubled. */
export function csvCell(value: string | number | null | undefined): string {
  const s = value === null || value === undefined ? '' : String(value);
  return /[;"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: (string | number | null | undefined)[][]): Buffer {
  return Buffer.from('\uFEFF' + rows.map((r) => r.map(csvCell).join(';')).join('\r\n') + '\r\n', 'utf8');
}

/**
 * Parses CSV text into lines of fields (`;` or `,` as the header line shows), quotes honoured.
 * Each line keeps its 1-based number in the file, so errors can name it.
 */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const sep = firstLine.includes(';') || !firstLine.includes(',') ? ';' : ',';
  const out: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let cur = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  let any = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"') {
        if (body[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cur += ch;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      any = true;
    } else if (ch === sep) {
      fields.push(cur);
      cur = '';
      any = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++;
      fields.push(cur);
      if (any || cur !== '' || fields.length > 1) out.push({ line: startLine, fields });
      fields = [];
      cur = '';
      any = false;
      line++;
      startLine = line;
    } else {
      cur += ch;
      any = true;
    }
  }
  if (any || cur !== '' || fields.length > 0) {
    fields.push(cur);
    out.push({ line: startLine, fields });
  }
  return out;
}
