import { describe, expect, it } from 'vitest';
import { EventBuffer, joinBatches } from './eventBuffer';

describe('EventBuffer', () => {
  it('holds batches until a consumer subscribes, then delivers them as one, in order', () => {
    const buffer = new EventBuffer();
    buffer.push('[{"event":"a"},{"event":"b"}]');
    buffer.push('[{"event":"c"}]');
    expect(buffer.size).toBe(2);
    const batches: unknown[] = [];
    buffer.subscribe((batch) => batches.push(JSON.parse(batch)));
    expect(batches).toEqual([[{ event: 'a' }, { event: 'b' }, { event: 'c' }]]);
    expect(buffer.size).toBe(0);
  });

  it('passes each batch on at once once subscribed (no timer: Python may be holding the thread)', () => {
    const buffer = new EventBuffer();
    const seen: string[] = [];
    buffer.subscribe((batch) => seen.push(batch));
    buffer.push('[{"event":"node_state"}]');
    expect(seen).toEqual(['[{"event":"node_state"}]']);
  });

  it('joins batches without parsing them', () => {
    expect(joinBatches(['[1,2]', '[]', ' [3] '])).toBe('[1,2,3]');
    expect(JSON.parse(joinBatches(['[{"t":"[x]"}]', '[{"u":","}]']))).toEqual([{ t: '[x]' }, { u: ',' }]);
  });
});
