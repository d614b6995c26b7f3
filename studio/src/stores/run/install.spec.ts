import { describe, expect, it } from 'vitest';
import { requirementIndexUrls, wheelhouseIndexUrl } from './install';

describe('requirement index URLs', () => {
  const BASE = 'http://studio.test/app/';
  const WHEELS = 'http://studio.test/app/wheels/simple/{package_name}/index.html';

  it('names our wheelhouse with the braces micropip fills in', () => {
    expect(wheelhouseIndexUrl(BASE)).toBe(WHEELS);
  });

  it('asks the wheelhouse first, then the index in settings only when online and allowed', () => {
    const index = { usePackageIndex: true, packageIndexUrl: ' https://mirror.test/simple ' };
    expect(requirementIndexUrls(BASE, index, true)).toEqual([WHEELS, 'https://mirror.test/simple']);
    expect(requirementIndexUrls(BASE, index, false)).toEqual([WHEELS]);
    expect(requirementIndexUrls(BASE, { ...index, usePackageIndex: false }, true)).toEqual([WHEELS]);
    expect(requirementIndexUrls(BASE, { ...index, packageIndexUrl: '' }, true)).toEqual([WHEELS, 'https://pypi.org/simple']);
  });
});
