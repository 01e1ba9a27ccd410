// Panel 1: GI-PPO, PPO, RP and LR+RP on a function problem: reward curves, α and OORR, and for 1-D
// problems the landscape with sampled actions and α-policy targets (GI-PPO paper, Fig. 1).
import { csvHeader, csvRow, METRICS_BASE_COLUMNS, metricsColumns } from '@pathwise/report';
import type { Catalogue, FunctionAlgo, FunctionEnvName, FunctionJob, JobEvent, Row } from '../protocol.js';
import { checkboxes, field, formValues, h, numberInput, select } from '../ui/dom.js';
import { emptyChart, landscapeChart, lineChart } from '../ui/charts.js';
import type { Panel } from './panel.js';

/** Display names of the built-ins; any other registered algorithm shows under its own name. */
export const ALGO_LABELS: Record<string, string> = { gippo: 'GI-PPO', ppo: 'PPO', rp: 'RP', lrp: 'LR+RP', lr: 'LR', pg: 'pg (RP estimator)' };

/** Metric rows per run, shared with the cart-pole panel. */
export class RunLog {
  readonly rows = new Map<string, Row[]>();
  add(run: string, row: Row): void {
    if (!this.rows.has(run)) this.rows.set(run, []);
    this.rows.get(run)!.push(row);
  }
  clear(): void {
    this.rows.clear();
  }
  points(): number {
    let n = 0;
    for (const rows of this.rows.values()) n += rows.filter((r) => Number.isFinite(r.reward)).length;
    return n;
  }
  series(key: string): Array<{ name: string; x: number[]; y: number[] }> {
    return [...this.rows].map(([run, rows]) => ({ name: ALGO_LABELS[run] ?? run, x: rows.map((r) => r.epoch!), y: rows.map((r) => r[key] ?? Number.NaN) }));
  }
  /** metrics.csv columns (docs/architecture.md §6) with a leading `algo` column; algorithm columns of every run. */
  csv(): string {
    // The algorithm columns (alpha, oorr, k_lr, ...) are whatever the rows carry beyond the base ones.
    const base = new Set<string>(METRICS_BASE_COLUMNS);
    const extras = [...new Set([...this.rows.values()].flatMap((rows) => rows.flatMap((r) => Object.keys(r))))].filter((k) => !base.has(k));
    const columns = ['algo', ...metricsColumns(extras)];
    let text = csvHeader(columns);
    for (const [run, rows] of this.rows) {
      for (const row of rows) {
        const full: Record<string, number | string> = { algo: run };
        for (const column of columns.slice(1)) full[column] = row[column] ?? Number.NaN;
        text += csvRow(columns, full);
      }
    }
    return text;
  }
}

export function functionPanel(catalogue: Pick<Catalogue, 'algorithms'>): Panel {
  const form = h(
    'form',
    { class: 'settings' },
    field(
      'problem',
      select(
        'env',
        [
          ['dejong', 'De Jong 1-D'],
          ['ackley', 'Ackley 1-D'],
          ['dejong64', 'De Jong 64-D'],
          ['ackley64', 'Ackley 64-D'],
        ],
        'dejong',
      ),
    ),
    field(
      'algorithms',
      checkboxes(
        'algos',
        catalogue.algorithms.map((name): [string, string] => [name, ALGO_LABELS[name] ?? name]),
        ['gippo', 'ppo'],
      ),
    ),
    field('seed', numberInput('seed', 1, { min: 0, step: 1 })),
    field('epochs', numberInput('epochs', 200, { min: 1, step: 1 })),
    field(
      'actors',
      select(
        'actors',
        ['8', '16', '32', '64'].map((v) => [v, v]),
        '64',
      ),
      'parallel samples per epoch (numActors)',
    ),
    field(
      'hidden width',
      select(
        'hidden',
        ['8', '16', '32', '64'].map((v) => [v, v]),
        '32',
      ),
      'actor and critic: two hidden layers of this width',
    ),
    field('critic iterations', numberInput('criticIterations', 16, { min: 1, step: 1 })),
  );
  const curves = h('div', { class: 'chart', 'data-role': 'reward' });
  const alpha = h('div', { class: 'chart' });
  const oorr = h('div', { class: 'chart' });
  const land = h('div', { class: 'chart', 'data-role': 'landscape' });
  const view = h('div', { class: 'grid' }, curves, land, alpha, oorr);
  const log = new RunLog();
  let landscape: { xs: number[]; values: number[] } | undefined;
  let lastSamples: Extract<JobEvent, { kind: 'samples' }> | undefined;
  let pending = false;

  const render = () => {
    pending = false;
    curves.innerHTML = lineChart('Smoothed episode reward', 'epoch', 'reward', log.series('reward'));
    curves.dataset.points = String(log.points());
    const gippo = log.series('alpha').filter((s) => s.name === 'GI-PPO');
    alpha.innerHTML = lineChart('GI-PPO α (used this epoch)', 'epoch', 'α', gippo, true);
    oorr.innerHTML = lineChart(
      'GI-PPO out-of-range ratio (OORR)',
      'epoch',
      'OORR',
      log.series('oorr').filter((s) => s.name === 'GI-PPO'),
    );
    if (landscape && lastSamples) {
      land.innerHTML = landscapeChart(
        `f(x), epoch ${lastSamples.epoch}: samples → α-targets (α = ${lastSamples.alpha.toExponential(2)})`,
        landscape.xs,
        landscape.values,
        lastSamples.actions,
        lastSamples.targets,
      );
    } else {
      land.innerHTML = emptyChart(landscape ? 'Landscape' : 'Landscape (1-D problems only)', 560, 320);
    }
  };
  // Many events per second: draw once per frame.
  const schedule = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(render);
    }
  };
  render();

  return {
    id: 'function',
    title: 'Function optimisation',
    form,
    view,
    job(): FunctionJob {
      const v = formValues(form);
      const algos = v.algos!.split(',').filter(Boolean) as FunctionAlgo[];
      if (algos.length === 0) throw new Error('Pick at least one algorithm.');
      return {
        kind: 'function',
        env: v.env as FunctionEnvName,
        algos,
        seed: Number(v.seed),
        epochs: Number(v.epochs),
        actors: Number(v.actors),
        hidden: Number(v.hidden),
        criticIterations: Number(v.criticIterations),
      };
    },
    reset() {
      log.clear();
      landscape = undefined;
      lastSamples = undefined;
      render();
    },
    onEvent(event) {
      if (event.kind === 'metrics') log.add(event.run, event.row);
      else if (event.kind === 'landscape') landscape = event;
      else if (event.kind === 'samples') lastSamples = event;
      else return;
      schedule();
    },
    exportCsv: () => log.csv(),
    exportJson: () => ({ settings: formValues(form), runs: Object.fromEntries(log.rows) }),
  };
}
