/**
 * A minimal, strict XML well-formedness checker for tests: balanced tags, one root, quoted
 * attributes without duplicates, only the five predefined or numeric entities, no stray `<` or `&`.
 * Returns the element tree (text decoded) so tests can query it.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Decoded text directly inside this element (not its children's). */
  text: string;
}

const NAME = /[A-Za-z_:][\w.:-]*/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
  let index = 0;
  const fail = (message: string): never => {
    throw new Error(`Malformed XML at offset ${index}: ${message} (near ${JSON.stringify(source.slice(index, index + 30))})`);
  };
  const skipMisc = (): void => {
    for (;;) {
      while (/\s/.test(source[index] ?? '')) index += 1;
      if (source.startsWith('<!--', index)) {
        const end = source.indexOf('-->', index + 4);
        if (end < 0) fail('unterminated comment');
        index = end + 3;
      } else if (source.startsWith('<?', index)) {
        const end = source.indexOf('?>', index + 2);
        if (end < 0) fail('unterminated processing instruction');
        index = end + 2;
      } else return;
    }
  };
  const readName = (): string => {
    NAME.lastIndex = index;
    const match = NAME.exec(source);
    if (match === null) return fail('expected a name');
    index += match[0].length;
    return match[0];
  };
  const decode = (raw: string): string =>
    raw.replace(/&([^;]*);|&/g, (whole, entity: string | undefined) => {
      if (entity === undefined) return fail(`bare '&' in ${JSON.stringify(raw)}`);
      if (entity in ENTITIES) return ENTITIES[entity] as string;
      if (/^#\d+$/.test(entity)) return String.fromCodePoint(Number(entity.slice(1)));
      if (/^#x[0-9a-fA-F]+$/.test(entity)) return String.fromCodePoint(parseInt(entity.slice(2), 16));
      return fail(`unknown entity ${whole}`);
    });
  const parseElement = (): XmlElement => {
    if (source[index] !== '<') fail("expected '<'");
    index += 1;
    const element: XmlElement = { name: readName(), attributes: {}, children: [], text: '' };
    for (;;) {
      const before = index;
      while (/\s/.test(source[index] ?? '')) index += 1;
      if (source.startsWith('/>', index)) {
        index += 2;
        return element;
      }
      if (source[index] === '>') {
        index += 1;
        break;
      }
      if (index === before) fail('expected whitespace before an attribute');
      const attribute = readName();
      if (attribute in element.attributes) fail(`duplicate attribute ${attribute}`);
      if (source[index] !== '=') fail(`attribute ${attribute} has no '='`);
      const quote = source[index + 1];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attribute} is not quoted`);
      const end = source.indexOf(quote as string, index + 2);
      if (end < 0) fail('unterminated attribute value');
      const raw = source.slice(index + 2, end);
      if (raw.includes('<')) fail(`'<' in attribute ${attribute}`);
      element.attributes[attribute] = decode(raw);
      index = end + 1;
    }
    for (;;) {
      const next = source.indexOf('<', index);
      if (next < 0) fail(`element <${element.name}> is never closed`);
      element.text += decode(source.slice(index, next));
      index = next;
      if (source.startsWith('</', index)) {
        index += 2;
        const closing = readName();
        if (closing !== element.name) fail(`</${closing}> closes <${element.name}>`);
        while (/\s/.test(source[index] ?? '')) index += 1;
        if (source[index] !== '>') fail("expected '>'");
        index += 1;
        return element;
      }
      if (source.startsWith('<!--', index)) {
        const end = source.indexOf('-->', index + 4);
        if (end < 0) fail('unterminated comment');
        index = end + 3;
        continue;
      }
      element.children.push(parseElement());
    }
  };
  skipMisc();
  const root = parseElement();
  skipMisc();
  if (index !== source.length) fail('content after the root element');
  return root;
}

/** Every element in the tree (depth first) that satisfies `predicate`. */
export function findElements(root: XmlElement, predicate: (element: XmlElement) => boolean): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (element: XmlElement): void => {
    if (predicate(element)) found.push(element);
    element.children.forEach(visit);
  };
  visit(root);
  return found;
}

/** Elements named `name` whose class attribute is `className` (when given). */
export function elementsOf(root: XmlElement, name: string, className?: string): XmlElement[] {
  return findElements(root, (element) => element.name === name && (className === undefined || element.attributes.class === className));
}
