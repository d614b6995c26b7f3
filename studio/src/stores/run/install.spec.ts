import { describe, expect, it } from 'vitest';
import { requirementIndexUrls, wheelhouseIndexUrl } from './install';

describe('requirement index URLs', () => {
  const BASE = 'http://studio.test/app/';
  const WHEELS = 'http://studio.test/app/wheels/simple/{package_name}/index.html';

  it('names our wheelhouse with the braces micropip fills in', () => {
    expect(wheelhouseIndexUrl(BASE)).toBe(WHEELS);
  });

  it('asks the wheelhouse first, then the index in settings when allowed', () => {
    const index = { usePackageIndex: true, packageIndexUrl: ' https://mirror.test/simple ' };
    // Offline too: what was installed from the index once is kept, and installs again.
    expect(requirementIndexUrls(BASE, index)).toEqual([WHEELS, 'https://mirror.test/simple']);
    expect(requirementIndexUrls(BASE, { ...index, usePackageIndex: false })).toEqual([WHEELS]);
    expect(requirementIndexUrls(BASE, { ...index, packageIndexUrl: '' })).toEqual([WHEELS, 'https://pypi.org/simple']);
  });
});
