import { describe, expect, it } from 'vitest';
import { freeName } from './sameName';

describe('freeName', () => {
  it('numbers a copy from 2, skipping names taken', () => {
    const taken = new Set(['Join', 'Join (2)', 'Join (3)']);
    expect(freeName('Join', (n) => taken.has(n))).toBe('Join (4)');
    expect(freeName('Hello', (n) => taken.has(n))).toBe('Hello (2)');
  });
});
