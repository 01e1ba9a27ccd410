// A minimal XML reader for MJCF: elements, attributes, comments and the XML declaration. Text
// content is ignored (MJCF keeps everything in attributes).

export interface XmlElement {
  tag: string;
  attributes: Record<string, string>;
  children: XmlElement[];
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_, name: string) => ENTITIES[name]!);
}

/** Parses an XML document into its root element; throws with the offset on malformed input. */
export function parseXml(source: string): XmlElement {
  const root: XmlElement = { tag: '#document', attributes: {}, children: [] };
  const stack: XmlElement[] = [root];
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`MJCF: malformed XML at offset ${at}: ${what}`);
  };
  while (at < source.length) {
    const open = source.indexOf('<', at);
    if (open < 0) break;
    at = open;
    if (source.startsWith('<!--', at)) {
      const end = source.indexOf('-->', at);
      if (end < 0) fail('unterminated comment');
      at = end + 3;
      continue;
    }
    if (source.startsWith('<?', at) || source.startsWith('<!', at)) {
      const end = source.indexOf('>', at);
      if (end < 0) fail('unterminated declaration');
      at = end + 1;
      continue;
    }
    if (source.startsWith('</', at)) {
      const end = source.indexOf('>', at);
      const tag = source.slice(at + 2, end).trim();
      const top = stack.pop();
      if (top === undefined || top.tag !== tag) fail(`</${tag}> does not close <${top?.tag ?? '?'}>`);
      at = end + 1;
      continue;
    }
    const match = /^<([A-Za-z_][\w.-]*)/.exec(source.slice(at, at + 200));
    if (match === null) fail('expected an element name');
    const element: XmlElement = { tag: match![1]!, attributes: {}, children: [] };
    at += match![0].length;
    const attribute = /\s*([A-Za-z_:][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/y;
    for (;;) {
      attribute.lastIndex = at;
      const a = attribute.exec(source);
      if (a === null) break;
      element.attributes[a[1]!] = decode(a[3] ?? a[4] ?? '');
      at = attribute.lastIndex;
    }
    const rest = /\s*(\/?)>/y;
    rest.lastIndex = at;
    const close = rest.exec(source);
    if (close === null) fail(`unterminated <${element.tag}>`);
    at = rest.lastIndex;
    stack[stack.length - 1]!.children.push(element);
    if (close![1] !== '/') stack.push(element);
  }
  if (stack.length !== 1) throw new Error(`MJCF: malformed XML: <${stack[stack.length - 1]!.tag}> is not closed`);
  const element = root.children[0];
  if (element === undefined) throw new Error('MJCF: empty document');
  return element;
}
