// Panel 3: VI gradient variance. A quadratic log joint the user edits (closed form vs Monte Carlo),
// and Bayesian logistic regression on a shipped data set (empirical vs quadratic prediction).
import { csvHeader, csvRow } from '@pathwise/report';
import type { Catalogue, Job, ViLogregResult, ViQuadraticResult } from '../protocol.js';
import { barChart, scatterLogLog } from '../ui/charts.js';
import { field, formValues, h, numberInput, numbers, select } from '../ui/dom.js';
import type { Panel } from './panel.js';

const LABEL = { rp: 'RP', sf_joint: 'SF-joint', sf_elbo: 'SF-elbo' } as const;

export function viPanel(catalogue: Catalogue): Panel {
  const form = h(
    'form',
    { class: 'settings' },
    field(
      'model',
      select(
        'model',
        [
          ['quadratic', 'quadratic log joint (edit below)'],
          ['logreg', 'Bayesian logistic regression'],
        ],
        'quadratic',
      ),
    ),
    field('μ', h('input', { name: 'mu', value: '0, 0' })),
    field('σ', h('input', { name: 'sigma', value: '1, 0.5' })),
    field('∇f(μ) = g', h('input', { name: 'grad', value: '1, -0.5' })),
    field('∇²f = H (rows; symmetric)', h('input', { name: 'hessian', value: '-2, 0.5; 0.5, -1' })),
    field('f(μ) = c0', numberInput('c0', 0, { step: 1 })),
    field(
      'SF baseline',
      select(
        'baseline',
        [
          ['none', 'none (b = 0)'],
          ['optimal', 'optimal (§2.5)'],
        ],
        'none',
      ),
    ),
    field('MC draws', numberInput('draws', 20000, { min: 100, step: 100 })),
    field(
      'data set',
      select(
        'data',
        catalogue.datasets.map((n) => [n, n]),
        catalogue.datasets[0] ?? '',
      ),
      'logistic regression',
    ),
    field('draws per point', numberInput('samples', 2000, { min: 100, step: 100 }), 'logistic regression'),
    field('fit steps', numberInput('fitSteps', 300, { min: 10, step: 10 }), 'logistic regression: RP + Adam'),
    field('seed', numberInput('seed', 1, { min: 0, step: 1 })),
  );
  const charts = h('div', { class: 'grid' });
  const progress = h('p', { class: 'muted' });
  const view = h('div', {}, progress, charts);
  let quadratic: ViQuadraticResult | undefined;
  let logreg: ViLogregResult | undefined;

  const render = () => {
    charts.replaceChildren();
    if (quadratic) {
      for (const param of ['mu', 'logsigma'] as const) {
        const rows = quadratic.rows.filter((r) => r.param === param);
        const labels = [...new Set(rows.map((r) => `${LABEL[r.estimator]} ${param === 'mu' ? 'μ' : 'logσ'}${r.index}`))];
        const chart = h('div', { class: 'chart' });
        chart.innerHTML = barChart(
          `Single-draw variance, ${param === 'mu' ? 'μ' : 'log σ'} gradient (${quadratic.draws} MC draws)`,
          labels,
          [
            { name: 'closed form', values: rows.map((r) => r.closedForm) },
            { name: 'Monte Carlo', values: rows.map((r) => r.monteCarlo) },
          ],
          true,
        );
        charts.append(chart);
      }
      const table = h('table', {}, h('tr', {}, ...['estimator', 'param', 'closed form', 'Monte Carlo ± SE', 'z'].map((t) => h('th', {}, t))));
      for (const r of quadratic.rows) {
        const z = (r.monteCarlo - r.closedForm) / r.se;
        table.append(
          h(
            'tr',
            {},
            h('td', {}, LABEL[r.estimator]),
            h('td', {}, `${r.param}${r.index}`),
            h('td', {}, r.closedForm.toPrecision(4)),
            h('td', {}, `${r.monteCarlo.toPrecision(4)} ± ${r.se.toPrecision(2)}`),
            h('td', {}, Number.isFinite(z) ? z.toFixed(1) : '—'),
          ),
        );
      }
      charts.append(table);
    }
    if (logreg) {
      for (const point of logreg.points) {
        const chart = h('div', { class: 'chart' });
        chart.innerHTML = scatterLogLog(`${logreg.data}, ${point.point} point (ELBO ${point.elbo.toFixed(1)}): empirical vs predicted`, [
          { name: 'RP', points: point.coordinates.map((c) => [c.rp[1], c.rp[0]]) },
          { name: 'SF-elbo', points: point.coordinates.map((c) => [c.sfElbo[1], c.sfElbo[0]]) },
        ]);
        charts.append(chart);
      }
      const table = h('table', {}, h('tr', {}, ...['point', 'param', 'group', 'estimator', 'Var SF / Var RP (empirical ± SE)', '(predicted)'].map((t) => h('th', {}, t))));
      for (const point of logreg.points) {
        for (const s of point.summary) {
          table.append(
            h('tr', {}, ...[point.point, s.param, s.group, s.estimator, `${s.empirical.toPrecision(3)} ± ${s.empiricalSe.toPrecision(2)}`, s.predicted.toPrecision(3)].map((t) => h('td', {}, t))),
          );
        }
      }
      charts.append(table);
    }
    if (!quadratic && !logreg) progress.textContent ||= 'Edit the quadratic (or pick logistic regression) and press Start.';
    else if (!progress.textContent?.startsWith('drawing') && !progress.textContent?.startsWith('fitting')) progress.textContent = '';
  };
  render();

  return {
    id: 'vi',
    title: 'VI variance',
    form,
    view,
    job(): Job {
      const v = formValues(form);
      if (v.model === 'logreg') return { kind: 'vi-logreg', data: v.data!, samples: Number(v.samples), fitSteps: Number(v.fitSteps), seed: Number(v.seed) };
      const hessian = v.hessian!.split(';').map(numbers);
      return {
        kind: 'vi-quadratic',
        mu: numbers(v.mu!),
        sigma: numbers(v.sigma!),
        grad: numbers(v.grad!),
        hessian,
        c0: Number(v.c0),
        baseline: v.baseline as 'none' | 'optimal',
        draws: Number(v.draws),
        seed: Number(v.seed),
      };
    },
    reset() {
      quadratic = undefined;
      logreg = undefined;
      progress.textContent = '';
      render();
    },
    onEvent(event) {
      if (event.kind === 'vi-quadratic') quadratic = event.result;
      else if (event.kind === 'vi-logreg') {
        logreg = event.result;
        progress.textContent = '';
      } else if (event.kind === 'progress') progress.textContent = event.message;
      else return;
      render();
    },
    exportCsv() {
      if (quadratic) {
        const columns = ['estimator', 'param', 'index', 'closed_form', 'monte_carlo', 'se'];
        return (
          csvHeader(columns) +
          quadratic.rows.map((r) => csvRow(columns, { estimator: r.estimator, param: r.param, index: r.index, closed_form: r.closedForm, monte_carlo: r.monteCarlo, se: r.se })).join('')
        );
      }
      const columns = ['point', 'param', 'name', 'rp_empirical', 'rp_predicted', 'sf_elbo_empirical', 'sf_elbo_predicted'];
      return (
        csvHeader(columns) +
        (logreg?.points ?? [])
          .flatMap((p) =>
            p.coordinates.map((c) =>
              csvRow(columns, { point: p.point, param: c.param, name: c.name, rp_empirical: c.rp[0], rp_predicted: c.rp[1], sf_elbo_empirical: c.sfElbo[0], sf_elbo_predicted: c.sfElbo[1] }),
            ),
          )
          .join('')
      );
    },
    exportJson: () => ({ settings: formValues(form), quadratic, logreg }),
  };
}
