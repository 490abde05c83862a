/**
 * Turns an import file into records that remember where they started, so a bad row can be
 * reported by line number. CSV is RFC 4180 (quotes, doubled quotes, line breaks inside
 * quotes) with a header row; JSON is an array of objects (the "line" of an item is then its
 * 1-based position in the array) or JSON Lines (one object per line).
 */
export interface SourceRecord {
  line: number;
  fields: Record<string, unknown>;
}

export interface ParsedFile {
  records: SourceRecord[];
  /** Records that could not even be split into fields. */
  broken: Array<{ line: number; reason: string }>;
}

function splitCsv(content: string): { rows: Array<{ line: number; cells: string[] }>; unterminatedAt?: number } {
  const rows: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowStart = 1;
  let rowHasContent = false;
  const endRow = () => {
    cells.push(cell);
    if (rowHasContent || cells.length > 1 || cell !== '') rows.push({ line: rowStart, cells });
    cells = [];
    cell = '';
    rowHasContent = false;
  };
  for (let i = 0; i < content.length; i += 1) {
    const ch = content[i];
    if (quoted) {
      if (ch === '"' && content[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') {
        quoted = false;
      } else {
        if (ch === '\n') line += 1;
        cell += ch;
      }
      continue;
    }
    if (ch === '"') {
      quoted = true;
      rowHasContent = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      rowHasContent = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && content[i + 1] === '\n') i += 1;
      endRow();
      line += 1;
      rowStart = line;
    } else {
      cell += ch;
    }
  }
  if (quoted) return { rows, unterminatedAt: rowStart };
  endRow();
  return { rows };
}

export function parseCsv(content: string): ParsedFile {
  const { rows, unterminatedAt } = splitCsv(content.replace(/^\uFEFF/, ''));
  const broken: ParsedFile['broken'] = [];
  const [header, ...body] = rows;
  if (!header) return { records: [], broken: [{ line: 1, reason: 'the file has no header row' }] };
  const names = header.cells.map((name) => name.trim().toLowerCase());
  const records: SourceRecord[] = [];
  for (const row of body) {
    if (row.cells.length !== names.length) {
      broken.push({ line: row.line, reason: `expected ${names.length} fields like the header, got ${row.cells.length}` });
      continue;
    }
    records.push({ line: row.line, fields: Object.fromEntries(names.map((name, i) => [name, row.cells[i]])) });
  }
  if (unterminatedAt !== undefined)
    broken.push({ line: unterminatedAt, reason: 'a quoted field is never closed; the rest of the file was not read' });
  return { records, broken };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseJson(content: string): ParsedFile {
  const text = content.replace(/^\uFEFF/, '');
  const records: SourceRecord[] = [];
  const broken: ParsedFile['broken'] = [];
  if (text.trimStart().startsWith('[')) {
    let items: unknown[];
    try {
      items = JSON.parse(text) as unknown[];
    } catch (err) {
      return { records, broken: [{ line: 1, reason: `not valid JSON: ${(err as Error).message}` }] };
    }
    items.forEach((item, index) => {
      if (isObject(item)) records.push({ line: index + 1, fields: item });
      else broken.push({ line: index + 1, reason: 'item is not an object' });
    });
    return { records, broken };
  }
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') return;
    try {
      const item: unknown = JSON.parse(raw);
      if (isObject(item)) records.push({ line: index + 1, fields: item });
      else broken.push({ line: index + 1, reason: 'line is not a JSON object' });
    } catch (err) {
      broken.push({ line: index + 1, reason: `not valid JSON: ${(err as Error).message}` });
    }
  });
  return { records, broken };
}
