// Panel 2: the estimator lab. Every estimator @pathwise/estimators registers, on a closed-form
// objective, with one sample budget: variance and SNR bars, bias z-scores with the |z| < 5 band, and
// per-coordinate histograms.
import { csvHeader, csvRow } from '@pathwise/report';
import type { Catalogue, EstimatorJob, EstimatorResult } from '../protocol.js';
import { barChart, biasZ, biasZChart, histogram } from '../ui/charts.js';
import { checkboxes, field, formValues, h, numberInput, select } from '../ui/dom.js';
import type { Panel } from './panel.js';

export function estimatorPanel(catalogue: Catalogue): Panel {
  const names = catalogue.estimators.map((e) => e.name);
  const form = h(
    'form',
    { class: 'settings' },
    field(
      'objective',
      select(
        'objective',
        [
          ['square', 'E[x²]'],
          ['exp', 'E[exp x]'],
          ['quadratic', 'quadratic form (d-dim)'],
        ],
        'square',
      ),
    ),
    field('μ', numberInput('mu', 0.5, { step: 0.1 }), '1-D objectives'),
    field('σ', numberInput('sigma', 0.8, { step: 0.1, min: 0.01 }), '1-D objectives'),
    field('d', numberInput('dim', 4, { step: 1, min: 1, max: 16 }), 'quadratic form'),
    field(
      'estimators',
      checkboxes(
        'estimators',
        names.map((n) => [n, n]),
        ['lr', 'lr-loo', 'lr-optimal', 'rp', 'lr+rp', 'tp'],
      ),
    ),
    field('samples S', numberInput('samples', 8, { min: 1, step: 1 })),
    field('repeats R', numberInput('repeats', 400, { min: 2, step: 1 }), 'independent estimates for the statistics and histograms'),
    field('seed', numberInput('seed', 1, { min: 0, step: 1 })),
    field('histogram coordinate', numberInput('coordinate', 0, { min: 0, step: 1 })),
  );
  const bars = h('div', { class: 'grid' });
  const hists = h('div', { class: 'histograms' });
  const view = h('div', {}, bars, hists);
  let result: EstimatorResult | undefined;

  const render = () => {
    if (!result || result.rows.length === 0) {
      bars.innerHTML = '<p class="muted">Pick estimators and press Start.</p>';
      hists.innerHTML = '';
      return;
    }
    const labels = result.rows.map((r) => r.name);
    bars.innerHTML = [
      barChart(`Variance (trace of covariance), S = ${result.samples}`, labels, [{ name: 'trace', values: result.rows.map((r) => r.trace) }], true),
      barChart('Mean signal-to-noise ratio |mean|/sd', labels, [{ name: 'SNR', values: result.rows.map((r) => r.meanSnr) }]),
      // Bias as z-scores with the |z| < 5 band: a bare relative-bias bar cannot tell Monte Carlo noise from bias.
      biasZChart(
        `Bias z-score (mean − exact)/SE per coordinate, R = ${result.repeats}`,
        result.rows.map((r) => ({ name: r.name, coordinates: result!.coordinates, bias: r.bias, se: r.biasSe })),
      ),
    ].join('');
    const k = Math.min(Number(formValues(form).coordinate) || 0, result.coordinates.length - 1);
    hists.innerHTML = result.rows.map((row, i) => histogram(`${row.name}: ${result!.coordinates[k]} (exact ${result!.exact[k]!.toPrecision(3)})`, row.estimates[k]!, result!.exact[k]!, i)).join('');
  };
  // The coordinate only changes the view.
  form.addEventListener('change', (event) => {
    if ((event.target as HTMLInputElement).name === 'coordinate') render();
  });
  render();

  return {
    id: 'estimators',
    title: 'Estimator lab',
    form,
    view,
    job(): EstimatorJob {
      const v = formValues(form);
      const estimators = v.estimators!.split(',').filter(Boolean);
      if (estimators.length === 0) throw new Error('Pick at least one estimator.');
      return {
        kind: 'estimators',
        objective: v.objective as EstimatorJob['objective'],
        mu: Number(v.mu),
        sigma: Number(v.sigma),
        dim: Number(v.dim),
        estimators,
        samples: Number(v.samples),
        repeats: Number(v.repeats),
        seed: Number(v.seed),
      };
    },
    reset() {
      result = undefined;
      render();
    },
    onEvent(event) {
      if (event.kind !== 'estimators') return;
      result = event.result;
      render();
    },
    exportCsv() {
      const columns = ['estimator', 'unbiased', 'samples', 'repeats', 'trace', 'mean_snr', 'bias_norm', 'relative_bias', 'max_abs_bias_z', 'ms_per_estimate'];
      return (
        csvHeader(columns) +
        (result?.rows ?? [])
          .map((r) =>
            csvRow(columns, {
              estimator: r.name,
              unbiased: String(r.unbiased),
              samples: result!.samples,
              repeats: result!.repeats,
              trace: r.trace,
              mean_snr: r.meanSnr,
              bias_norm: r.biasNorm,
              relative_bias: r.relativeBias,
              // The largest |bias|/SE over coordinates: below 5, the relative bias is Monte Carlo noise.
              max_abs_bias_z: Math.max(...r.bias.map((b, j) => Math.abs(biasZ(b, r.biasSe[j]!)))),
              ms_per_estimate: r.ms,
            }),
          )
          .join('')
      );
    },
    exportJson: () => ({ settings: formValues(form), result }),
  };
}
