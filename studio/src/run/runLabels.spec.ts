import { describe, expect, it } from 'vitest';
import { durationText, runDuration, startedText, triggerLabel } from './runLabels';

describe('how the Runs panel names a run', () => {
  it('says what started it', () => {
    expect(triggerLabel('run-flow')).toBe('Run Flow');
    expect(triggerLabel('node:Fetch prices')).toBe('▶ Fetch prices');
    expect(triggerLabel('cli')).toBe('command line');
    expect(triggerLabel('replay')).toBe('replay');
    expect(triggerLabel('schedule')).toBe('schedule');
  });

  it('gives durations in the unit a person reads', () => {
    expect(durationText(3.2)).toBe('3 ms');
    expect(durationText(4200)).toBe('4.2 s');
    expect(durationText(12_400)).toBe('12 s');
    expect(durationText(185_000)).toBe('3 min 5 s');
    expect(durationText(7_800_000)).toBe('2 h 10 min');
    expect(durationText(-1)).toBe('');
  });

  it('times a live run up to now', () => {
    expect(runDuration({ started_at: 100, ended_at: null }, 103_500)).toBe('3.5 s');
    expect(runDuration({ started_at: 100, ended_at: 100.25 }, 999_999)).toBe('250 ms');
  });

  it('gives the date only for runs of another day', () => {
    const now = new Date(2026, 11, 2, 15, 0, 0);
    expect(startedText(new Date(2026, 11, 2, 14, 5, 9).getTime() / 1000, now)).not.toMatch(/Dec/);
    expect(startedText(new Date(2026, 10, 30, 14, 5, 9).getTime() / 1000, now)).toMatch(/Nov/);
  });
});
