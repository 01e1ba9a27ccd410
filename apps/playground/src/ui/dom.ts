// A tiny element builder: enough DOM for forms and panels without a framework.
type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(key, value === true ? '' : String(value));
  }
  element.append(...children);
  return element;
}

/** A labelled input; `name` is what the URL and FormData use. */
export function field(label: string, input: HTMLElement, hint?: string): HTMLLabelElement {
  return h('label', { class: 'field', ...(hint ? { title: hint } : {}) }, h('span', {}, label), input);
}

export function numberInput(name: string, value: number, attrs: Attrs = {}): HTMLInputElement {
  return h('input', { type: 'number', name, value, ...attrs });
}

export function select(name: string, options: Array<[string, string]>, value: string): HTMLSelectElement {
  const element = h('select', { name }, ...options.map(([v, label]) => h('option', { value: v }, label)));
  element.value = value;
  return element;
}

export function checkboxes(name: string, options: Array<[string, string]>, checked: string[]): HTMLElement {
  return h('span', { class: 'checks' }, ...options.map(([value, label]) => h('label', {}, h('input', { type: 'checkbox', name, value, checked: checked.includes(value) }), label)));
}

/** Form values by name; checkbox groups (and repeated names) become comma-joined lists. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  const data = new FormData(form);
  const names = new Set<string>();
  form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('[name]').forEach((el) => names.add(el.name));
  for (const name of names) out[name] = data.getAll(name).map(String).join(',');
  return out;
}

/** Writes values (from the URL) back into a form. */
export function setFormValues(form: HTMLFormElement, values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    const elements = form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(`[name="${CSS.escape(name)}"]`);
    elements.forEach((el) => {
      if (el instanceof HTMLInputElement && el.type === 'checkbox') el.checked = value.split(',').includes(el.value);
      else el.value = value;
    });
  }
}

export function numbers(text: string): number[] {
  return text
    .split(/[\s,;]+/)
    .filter((s) => s.length > 0)
    .map(Number);
}

export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
