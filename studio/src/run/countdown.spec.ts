import { describe, expect, it } from 'vitest';
import { formatCountdown, formatFireTime, formatLateness } from './countdown';

describe('countdown', () => {
  it('counts down in seconds, minutes, hours and days', () => {
    expect(formatCountdown(10_000, 6_200)).toBe('in 4 s');
    expect(formatCountdown(1_000, 1_000)).toBe('now');
    expect(formatCountdown(1_000, 5_000)).toBe('now');
    expect(formatCountdown(125_000, 0)).toBe('in 2 min 05 s');
    expect(formatCountdown((3 * 3600 + 7 * 60) * 1000, 0)).toBe('in 3 h 07 min');
    expect(formatCountdown((51 * 3600) * 1000, 0)).toBe('in 2 d 3 h');
  });

  it('rounds a partial second up (a fire 0.3 s away is not "now")', () => {
    expect(formatCountdown(1_300, 1_000)).toBe('in 1 s');
  });

  it('says how late a fire was', () => {
    expect(formatLateness(850.4)).toBe('850 ms');
    expect(formatLateness(3_240)).toBe('3.2 s');
    expect(formatLateness(250_000)).toBe('4 min 10 s');
  });

  it('shows a date only for fire times on another day', () => {
    const now = new Date(2026, 0, 5, 10, 0, 0).getTime();
    const later = new Date(2026, 0, 5, 10, 0, 5).getTime();
    const tomorrow = new Date(2026, 0, 6, 9, 0, 0).getTime();
    expect(formatFireTime(later, now, 'en-GB')).toBe('10:00:05');
    expect(formatFireTime(tomorrow, now, 'en-GB')).toContain('2026');
  });
});
