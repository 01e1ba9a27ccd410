import { describe, expect, it } from 'vitest';
import { elementsOf, parseXml } from './xml.js';

describe('parseXml (the test checker itself)', () => {
  it('accepts well-formed markup and decodes text and attributes', () => {
    const root = parseXml('<?xml version="1.0"?>\n<svg a="1 &amp; 2"><g><text>x &lt; y</text></g><path d=\'M0 0\'/></svg>\n');
    expect(root.name).toBe('svg');
    expect(root.attributes.a).toBe('1 & 2');
    expect(elementsOf(root, 'text')[0]?.text).toBe('x < y');
    expect(elementsOf(root, 'path')).toHaveLength(1);
  });

  it.each([
    ['unbalanced tags', '<svg><g></svg>'],
    ['unclosed root', '<svg><g/>'],
    ['bare ampersand', '<svg>a & b</svg>'],
    ['raw < in text', '<svg>a < b</svg>'],
    ['unquoted attribute', '<svg a=1/>'],
    ['duplicate attribute', '<svg a="1" a="2"/>'],
    ['two roots', '<svg/><svg/>'],
    ['unknown entity', '<svg>&nbsp;</svg>'],
    ['< in attribute', '<svg a="<"/>'],
  ])('rejects %s', (_label, markup) => {
    expect(() => parseXml(markup)).toThrow(/Malformed XML/);
  });
});
