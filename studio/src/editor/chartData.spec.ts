import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { KeptValue } from '@/protocol/events';
import { chartData, MAX_SERIES } from './chartData';

const kept = (values: unknown[], first = 0): KeptValue[] =>
  values.map((value, i) => ({ index: first + i, value, repr: false, display: null }));

describe('chartData', () => {
  it('charts a stream of numbers over their indices', () => {
    // Numbered from 1, as the list of values numbers them (#11 is the value of index 10).
    expect(chartData(kept([3, 1.5, -2], 10))).toEqual({ xLabel: 'value #', x: [11, 12, 13], series: [{ name: 'value', values: [3, 1.5, -2] }] });
  });

  it('charts records with a series per numeric field, gaps where a field is missing', () => {
    const data = chartData(kept([{ level: 1, rain: 0, where: 'x' }, { level: 2 }, { level: 3, rain: 0.5 }]));
    expect(data?.series).toEqual([
      { name: 'level', values: [1, 2, 3] },
      { name: 'rain', values: [0, null, 0.5] },
    ]);
  });

  it('takes a time-like field as the x axis when it never decreases', () => {
    expect(chartData(kept([{ t: 0.5, v: 1 }, { t: 1.5, v: 2 }]))).toEqual({ xLabel: 't', x: [0.5, 1.5], series: [{ name: 'v', values: [1, 2] }] });
    // Going back, it is a series like any other.
    expect(chartData(kept([{ t: 2, v: 1 }, { t: 1, v: 2 }]))?.xLabel).toBe('value #');
    // Alone, it is the series.
    expect(chartData(kept([{ step: 1 }, { step: 2 }]))?.series).toEqual([{ name: 'step', values: [1, 2] }]);
  });

  it('charts the newest value when it is a list of numbers or of records', () => {
    expect(chartData(kept(['old', [4, 5, 6]]))).toEqual({ xLabel: 'position', x: [0, 1, 2], series: [{ name: 'value', values: [4, 5, 6] }] });
    expect(chartData(kept([[{ y: 1 }, { y: 2 }]]))?.series).toEqual([{ name: 'y', values: [1, 2] }]);
  });

  it('has no chart for text, repr values, empty lists or records without numbers', () => {
    expect(chartData(kept(['a', 'b']))).toBeNull();
    expect(chartData([{ index: 0, value: '<object>', repr: true, display: null }])).toBeNull();
    expect(chartData(kept([[]]))).toBeNull();
    expect(chartData(kept([{ a: 'x' }]))).toBeNull();
    expect(chartData(kept([1, 'two']))).toBeNull();
    expect(chartData([])).toBeNull();
  });

  it('draws NaN and the infinities (sent as their repr) as gaps in a stream of numbers', () => {
    const stream: KeptValue[] = [...kept([1, 2]), { index: 2, value: 'nan', repr: true, display: null }, ...kept([4], 3),
      { index: 4, value: '-inf', repr: true, display: null }];
    expect(chartData(stream)).toEqual({ xLabel: 'value #', x: [1, 2, 3, 4, 5], series: [{ name: 'value', values: [1, 2, null, 4, null] }] });
    // Only NaN: nothing to draw.
    expect(chartData([{ index: 0, value: 'nan', repr: true, display: null }])).toBeNull();
    // Another repr among numbers is left out, as before.
    expect(chartData([...kept([1]), { index: 1, value: '{1, 2}', repr: true, display: null }])?.x).toEqual([1]);
  });

  it('finds the x field among more numeric fields than it draws', () => {
    const wide = (t: number) => ({ ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, i])), t });
    const data = chartData(kept([wide(0), wide(1)]));
    expect(data?.xLabel).toBe('t');
    expect(data?.series).toHaveLength(MAX_SERIES);
  });

  it('draws at most MAX_SERIES series', () => {
    const wide = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, i]));
    expect(chartData(kept([wide]))?.series).toHaveLength(MAX_SERIES);
  });

  it('gives every series one y per x, whatever the values', () => {
    const value = fc.oneof(fc.double(), fc.integer(), fc.string(), fc.constant(null),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.double(), fc.string())), fc.array(fc.oneof(fc.double(), fc.integer())));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 30 }), (values) => {
        const data = chartData(kept(values));
        if (!data) return;
        expect(data.series.length).toBeGreaterThan(0);
        for (let i = 1; i < data.x.length; i++) expect(data.x[i]).toBeGreaterThanOrEqual(data.x[i - 1] ?? -Infinity); // uPlot needs x sorted
        for (const s of data.series) {
          expect(s.values).toHaveLength(data.x.length);
          for (const y of s.values) expect(y === null || Number.isFinite(y)).toBe(true);
        }
      }),
    );
  });
});
