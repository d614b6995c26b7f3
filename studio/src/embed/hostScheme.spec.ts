import { describe, expect, it } from 'vitest';
import { schemeOf, type SchemeSignals } from './hostScheme';

const page = (over: Partial<SchemeSignals> = {}): SchemeSignals => ({
  mdColorScheme: null,
  bodyTheme: null,
  htmlTheme: null,
  bsTheme: null,
  darkClass: false,
  background: 'rgba(0, 0, 0, 0)',
  colorScheme: 'normal',
  prefersDark: false,
  ...over,
});

describe('schemeOf', () => {
  it('reads Material for MkDocs: slate is dark, any other scheme light', () => {
    expect(schemeOf(page({ mdColorScheme: 'slate' }))).toBe('dark');
    expect(schemeOf(page({ mdColorScheme: 'default', prefersDark: true, background: 'rgb(0, 0, 0)' }))).toBe('light');
  });

  it("reads Furo's body data-theme, auto following the system", () => {
    expect(schemeOf(page({ bodyTheme: 'dark' }))).toBe('dark');
    expect(schemeOf(page({ bodyTheme: 'light', prefersDark: true }))).toBe('light');
    expect(schemeOf(page({ bodyTheme: 'auto', prefersDark: true }))).toBe('dark');
    expect(schemeOf(page({ bodyTheme: 'auto', prefersDark: false }))).toBe('light');
  });

  it('reads data-theme and data-bs-theme on html, and a dark class', () => {
    expect(schemeOf(page({ htmlTheme: 'dark' }))).toBe('dark');
    expect(schemeOf(page({ bsTheme: 'dark' }))).toBe('dark');
    expect(schemeOf(page({ darkClass: true }))).toBe('dark');
    // An attribute the list does not know says nothing: the next signal decides.
    expect(schemeOf(page({ htmlTheme: 'solarized', bsTheme: 'light', darkClass: true }))).toBe('light');
  });

  it("falls back to the page's own background", () => {
    expect(schemeOf(page({ background: 'rgb(18, 18, 20)' }))).toBe('dark');
    expect(schemeOf(page({ background: 'rgb(255, 255, 255)', prefersDark: true }))).toBe('light');
  });

  it("takes a page with no background as the browser's canvas, dark only where the page allows it", () => {
    expect(schemeOf(page({ prefersDark: true }))).toBe('light');
    expect(schemeOf(page({ colorScheme: 'light dark', prefersDark: true }))).toBe('dark');
    expect(schemeOf(page({ colorScheme: 'light dark', prefersDark: false }))).toBe('light');
    expect(schemeOf(page({ colorScheme: 'dark' }))).toBe('dark');
  });
});
