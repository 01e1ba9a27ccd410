// The URL holds every setting (tab, backend, each panel's form) so a link reproduces a run;
// `run=1` starts it on load.
import { formValues, setFormValues } from './ui/dom.js';
import type { Panel } from './panels/panel.js';

export interface UrlState {
  tab: string | undefined;
  backend: string | undefined;
  run: boolean;
}

export function readUrl(panels: Panel[]): UrlState {
  const params = new URLSearchParams(location.search);
  for (const panel of panels) {
    const values: Record<string, string> = {};
    for (const [key, value] of params) if (key.startsWith(`${panel.id}.`)) values[key.slice(panel.id.length + 1)] = value;
    setFormValues(panel.form, values);
  }
  return { tab: params.get('tab') ?? undefined, backend: params.get('backend') ?? undefined, run: params.get('run') === '1' };
}

export function urlFor(panels: Panel[], tab: string, backend: string, run = false): string {
  const params = new URLSearchParams({ tab, backend });
  // Only the active panel's settings: links stay short and say what they reproduce.
  const panel = panels.find((p) => p.id === tab);
  if (panel) for (const [key, value] of Object.entries(formValues(panel.form))) params.set(`${panel.id}.${key}`, value);
  if (run) params.set('run', '1');
  return `${location.pathname}?${params}`;
}
