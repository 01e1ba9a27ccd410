// The playground page: backend picker, four panels, run controls. All computation happens in the
// worker (client.ts); this file only wires the UI.
import './style.css';
import { ComputeClient } from './client.js';
import {
  BACKEND_NAMES,
  type Catalogue,
  type BackendChoice,
  type BackendName,
  type BackendReport,
  type BenchResult,
  type BenchSpec,
  type JobEvent,
  type ProbeResult,
  type ProbeSpec,
  type RolloutProbe,
  type RolloutSpec,
  type UseBackendResult,
} from './protocol.js';
import { h, download } from './ui/dom.js';
import { functionPanel } from './panels/function.js';
import { estimatorPanel } from './panels/estimators.js';
import { viPanel } from './panels/vi.js';
import { cartpolePanel } from './panels/cartpole.js';
import type { Panel } from './panels/panel.js';
import { readUrl, urlFor } from './url-state.js';

const client = new ComputeClient();
// The estimator and data-set lists come from the packages, through the worker.
const catalogue = await client.request<Catalogue>({ type: 'catalogue' });
const panels: Panel[] = [functionPanel(catalogue), estimatorPanel(catalogue), viPanel(catalogue), cartpolePanel()];
let activeTab: Panel = panels[0]!;
let runningPanel: Panel | undefined;
let runState: 'idle' | 'running' | 'paused' = 'idle';
let activeBackend = '';

// ---- layout
const backendSelect = h('select', { id: 'backend', name: 'backend' }, ...(['auto', ...BACKEND_NAMES] as const).map((n) => h('option', { value: n }, n)));
const backendTable = h('table', { id: 'backends' });
const statusLine = h('p', { id: 'status', 'data-state': 'idle' }, 'starting…');
const tabs = h('nav', { class: 'tabs' });
const buttons = {
  start: h('button', { type: 'button', id: 'start' }, 'Start'),
  pause: h('button', { type: 'button', id: 'pause', disabled: true }, 'Pause'),
  stop: h('button', { type: 'button', id: 'stop', disabled: true }, 'Stop'),
  csv: h('button', { type: 'button', id: 'export-csv' }, 'Export CSV'),
  json: h('button', { type: 'button', id: 'export-json' }, 'Export JSON'),
  link: h('button', { type: 'button', id: 'copy-link' }, 'Copy link'),
};
const panelHost = h('section', { id: 'panel' });
document
  .querySelector('#app')!
  .append(
    h(
      'header',
      {},
      h('h1', {}, 'pathwise playground'),
      h('label', { class: 'field' }, h('span', {}, 'backend'), backendSelect),
      h('button', { type: 'button', id: 'probe-all' }, 'Probe all backends'),
    ),
    h('details', { open: true }, h('summary', {}, 'Backends and capabilities'), backendTable),
    tabs,
    h('div', { class: 'controls' }, ...Object.values(buttons)),
    statusLine,
    panelHost,
  );

function setStatus(state: string, message: string): void {
  statusLine.dataset.state = state;
  statusLine.textContent = message;
}

// ---- backends
let backendSelectValueBefore = 'wasm';
const reports = new Map<BackendName, BackendReport | { name: BackendName; error: string }>();

function renderBackends(): void {
  backendTable.replaceChildren(h('tr', {}, ...['backend', 'available', 'float', 'SIMD', 'threads', 'details'].map((t) => h('th', {}, t))));
  for (const name of BACKEND_NAMES) {
    const report = reports.get(name);
    const row = h('tr', { 'data-backend': name, class: name === activeBackend ? 'active' : '' });
    if (!report) row.append(h('td', {}, name), h('td', { colspan: 5, class: 'muted' }, 'not loaded yet (its chunk is fetched when picked or probed)'));
    else if ('error' in report) row.append(h('td', {}, name), h('td', { colspan: 5 }, `probe failed: ${report.error}`));
    else {
      const caps = report.capabilities;
      const details = Object.entries(report.details)
        .map(([k, v]) => `${k}: ${v}`)
        .join(' · ');
      row.dataset.available = String(report.available);
      row.append(
        h('td', {}, name + (report.active ? ' (active)' : '')),
        h('td', {}, report.available ? 'yes' : `no: ${report.reason ?? ''}`),
        h('td', {}, caps?.float ?? '?'),
        h('td', {}, caps?.simd === undefined ? '—' : caps.simd ? 'yes' : 'no'),
        h('td', {}, caps?.threads === undefined ? '—' : caps.threads ? 'yes' : 'no'),
        h('td', { class: 'details' }, details),
      );
    }
    backendTable.append(row);
  }
}

async function probe(name: BackendName): Promise<void> {
  try {
    reports.set(name, await client.request<BackendReport>({ type: 'report', name }));
  } catch (error) {
    reports.set(name, { name, error: (error as Error).message });
  }
  renderBackends();
}

async function switchBackend(choice: BackendChoice): Promise<void> {
  setStatus('busy', `switching to ${choice}…`);
  try {
    const result = await client.request<UseBackendResult>({ type: 'use-backend', name: choice });
    activeBackend = result.active;
    const timings = result.timings
      ? ` (auto timings, ms: ${Object.entries(result.timings)
          .map(([k, v]) => `${k} ${v.toFixed(2)}`)
          .join(', ')})`
      : '';
    // Refresh the table first: the status line is what tests and users wait for.
    for (const name of BACKEND_NAMES) if (reports.has(name) || name === result.active) await probe(name);
    setStatus(runState === 'paused' ? 'paused' : 'idle', `backend: ${result.active}${timings}${result.migrated ? ' — the paused run moved here through a checkpoint; resume to continue' : ''}`);
  } catch (error) {
    setStatus('error', `cannot switch to ${choice}: ${(error as Error).message}`);
    // Show the backend that is still in use.
    backendSelect.value = backendSelectValueBefore;
  }
  document.body.dataset.backend = activeBackend;
  syncUrl();
}

backendSelect.addEventListener('change', async () => {
  await switchBackend(backendSelect.value as BackendChoice);
  backendSelectValueBefore = backendSelect.value;
});
document.querySelector('#probe-all')!.addEventListener('click', async () => {
  for (const name of BACKEND_NAMES) await probe(name);
});

// ---- panels and tabs
for (const panel of panels) {
  const tab = h('button', { type: 'button', 'data-tab': panel.id }, panel.title);
  tab.addEventListener('click', () => showTab(panel));
  tabs.append(tab);
  panel.form.addEventListener('change', syncUrl);
  panel.form.addEventListener('submit', (event) => event.preventDefault());
}

function showTab(panel: Panel): void {
  activeTab = panel;
  tabs.querySelectorAll('button').forEach((b) => b.classList.toggle('active', b.dataset.tab === panel.id));
  panelHost.replaceChildren(panel.form, panel.view);
  panelHost.dataset.panel = panel.id;
  syncUrl();
}

function syncUrl(): void {
  history.replaceState(null, '', urlFor(panels, activeTab.id, backendSelect.value));
}

// ---- run controls
function setRunState(state: typeof runState): void {
  runState = state;
  buttons.start.disabled = state !== 'idle';
  buttons.pause.disabled = state === 'idle';
  buttons.stop.disabled = state === 'idle';
  buttons.pause.textContent = state === 'paused' ? 'Resume' : 'Pause';
  document.body.dataset.run = state;
}

async function start(): Promise<void> {
  const panel = activeTab;
  let job;
  try {
    job = panel.job();
  } catch (error) {
    setStatus('error', (error as Error).message);
    return;
  }
  panel.reset();
  runningPanel = panel;
  setRunState('running');
  const started = performance.now();
  try {
    const outcome = await client.request<string>({ type: 'start', job });
    setStatus(outcome, `${panel.title}: ${outcome} on ${activeBackend} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    setStatus('error', `${panel.title}: ${(error as Error).message}`);
  } finally {
    runningPanel = undefined;
    setRunState('idle');
  }
}

buttons.start.addEventListener('click', () => void start());
buttons.pause.addEventListener('click', () => void client.request({ type: runState === 'paused' ? 'resume' : 'pause' }));
buttons.stop.addEventListener('click', () => void client.request({ type: 'stop' }));
buttons.csv.addEventListener('click', () => download(`${activeTab.id}-${activeBackend}.csv`, activeTab.exportCsv(), 'text/csv'));
buttons.json.addEventListener('click', () =>
  download(
    `${activeTab.id}-${activeBackend}.json`,
    JSON.stringify({ panel: activeTab.id, backend: activeBackend, url: location.href, ...(activeTab.exportJson() as object) }, null, 1),
    'application/json',
  ),
);
buttons.link.addEventListener('click', async () => {
  const link = new URL(urlFor(panels, activeTab.id, backendSelect.value, true), location.href).href;
  await navigator.clipboard?.writeText(link).catch(() => undefined);
  setStatus(runState, `link (starts the run on load): ${link}`);
});

client.onEvent((event: JobEvent) => {
  if (event.kind === 'status') {
    if (event.state === 'paused') setRunState('paused');
    else if (event.state === 'running' && runState !== 'idle') setRunState('running');
    setStatus(event.state, event.message);
  }
  runningPanel?.onEvent(event);
});

// ---- startup
const url = readUrl(panels);
showTab(panels.find((p) => p.id === url.tab) ?? panels[0]!);
backendSelect.value = url.backend && ['auto', ...BACKEND_NAMES].includes(url.backend) ? url.backend : 'wasm';
backendSelectValueBefore = backendSelect.value;
renderBackends();
setRunState('idle');
const ready = switchBackend(backendSelect.value as BackendChoice).then(() => {
  if (url.run) void start();
});

// A small hook for the e2e tests and the benchmark script: the same worker the UI drives.
declare global {
  interface Window {
    __playground: {
      ready: Promise<void>;
      backend(): string;
      runState(): string;
      report(name: BackendName): Promise<BackendReport>;
      useBackend(name: BackendChoice): Promise<UseBackendResult>;
      firstRollout(spec: ProbeSpec): Promise<ProbeResult>;
      bench(spec: BenchSpec): Promise<BenchResult>;
      rollout(spec: RolloutSpec): Promise<RolloutProbe>;
      showTab(id: Panel['id']): void;
    };
  }
}
window.__playground = {
  ready,
  backend: () => activeBackend,
  runState: () => runState,
  report: (name) => client.request({ type: 'report', name }),
  useBackend: async (name) => {
    backendSelect.value = name;
    await switchBackend(name);
    return { active: activeBackend };
  },
  firstRollout: (spec) => client.request({ type: 'probe', spec }),
  bench: (spec) => client.request({ type: 'bench', spec }),
  rollout: (spec) => client.request({ type: 'rollout', spec }),
  showTab: (id) => showTab(panels.find((p) => p.id === id)!),
};
