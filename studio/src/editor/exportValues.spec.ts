import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { KeptValue } from '@/protocol/events';
import { toCsv, toJsonLines, valuesFileName } from './exportValues';

const kept = (values: unknown[]): KeptValue[] => values.map((value, index) => ({ index, value, repr: false, display: null }));

/** RFC 4180 read back (the test's own reader, to check what the writer quotes). */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else cell += c;
  }
  return rows;
}

describe('exporting values', () => {
  it('writes JSON lines, one value a line', () => {
    expect(toJsonLines(kept([1, { a: [1, 2] }, 'x']))).toBe('1\n{"a":[1,2]}\n"x"\n');
  });

  it('writes records as columns, nested values as JSON, missing cells empty', () => {
    expect(toCsv(kept([{ id: 1, name: 'Ada, L.' }, { id: 2, tags: ['a'] }]))).toBe(
      'id,name,tags\r\n1,"Ada, L.",\r\n2,,"[""a""]"\r\n',
    );
  });

  it('writes anything else as one value column', () => {
    expect(toCsv(kept([1, 'two', null]))).toBe('value\r\n1\r\ntwo\r\n\r\n');
  });

  it('reads back cell for cell, whatever the text', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ a: fc.string(), b: fc.string() }), { minLength: 1, maxLength: 10 }), (records) => {
        const rows = readCsv(toCsv(kept(records)));
        expect(rows[0]).toEqual(['a', 'b']);
        expect(rows.slice(1)).toEqual(records.map((r) => [r.a, r.b]));
      }),
    );
  });

  it('names the file after the node and the socket', () => {
    expect(valuesFileName('Sensor 1', 'reading', 'csv')).toBe('Sensor_1-reading.csv');
    expect(valuesFileName('../../etc', 'x', 'jsonl')).toBe('.._.._etc-x.jsonl');
  });
});
