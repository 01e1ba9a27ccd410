// Empirical single-draw variances of any registered ELBO-gradient estimators on a model, with the
// quadratic-approximation prediction beside each where a closed form exists (docs/algorithms/vi.md §3.2),
// at the initial point and at the VI optimum.
// One file because the column resolution (which estimator, objective, baseline and closed form a column
// name means) and the tables built from it are one contract: the default columns' numbers and names
// must stay those of the paper's comparison, and splitting them would put that contract in two places.
import { ConfigError, type Rng } from '@pathwise/core';
import { isBuiltinEstimator, type Estimator } from '@pathwise/estimators';
import { rpVariances, sfVariances, type ComponentVariances, type Quadratic } from './closed-form.js';
import { classificationData, regressionData, syntheticLogisticData, type Dataset } from './datasets.js';
import { fitMeanField, estimateElbo, type FitResult } from './fit.js';
import { bayesianNeuralNetwork, logisticRegression, newtonMap, quadraticApproximation, type Model } from './models.js';
import { varianceRatioMean, varianceRatios } from './variance-ratio.js';
import { columnMoments, estimateOptimalBaselines, getViEstimator, viGradientDraws, type ViEstimator, type ViObjective } from './vi-gradients.js';

/** The default comparison: RP, SF-joint and SF-elbo, each SF without (b = 0) and with the optimal baseline. */
export const COMPARED = ['rp', 'sf_joint', 'sf_joint_opt', 'sf_elbo', 'sf_elbo_opt'] as const;
/** A column of the default comparison (each has a closed-form prediction). */
export type DefaultColumn = (typeof COMPARED)[number];
/** A column of a comparison: a default column or any compared estimator's name (an open set). */
export type ComparedEstimator = string;

/**
 * One estimator to compare: a default column (`sf_joint_opt`, …), a VI preset (`sf-joint`, `sf-elbo`:
 * b = 0), a registered estimator name with an optional objective suffix (`lr-loo@elbo`), an Estimator
 * object, or `{ estimator, objective?, column? }`.
 */
export type CompareEntry = string | Estimator<any> | { estimator: ViEstimator; objective?: ViObjective; column?: string };

/** Predicted values: numbers for the default columns, `null` where an estimator has no closed form. */
export type Predicted<K extends string> = [K] extends [DefaultColumn] ? number : number | null;

/** One coordinate of one parameter block: empirical single-draw variance (± SE) and the prediction. */
export interface CoordinateRow<K extends string = string> {
  param: 'mu' | 'logsigma';
  index: number;
  name: string;
  group: string;
  empirical: Record<K, number>;
  se: Record<K, number>;
  predicted: Record<K, Predicted<K>>;
  /** Empirical Var_column / Var_reference for this coordinate, and its delta-method SE (1 and 0 for the reference). */
  ratio: Record<K, number>;
  ratioSe: Record<K, number>;
}

/** The summary group of every coordinate of a parameter block, after the model's own groups (a model's own group of this name wins). */
export const ALL_COORDINATES = 'all';

/** Ratios Var_estimator / Var_reference over a coordinate group (the reference is the first column: RP by default). */
export interface GroupSummary<K extends string = string> {
  param: 'mu' | 'logsigma';
  group: string;
  coordinates: number;
  estimator: K;
  ratioEmpiricalMean: number;
  /** Delta-method SE of the mean ratio, with the cross-moments between estimators (common draws) and coordinates. */
  ratioEmpiricalMeanSe: number;
  ratioEmpiricalMin: number;
  ratioEmpiricalMax: number;
  /** SE of the ratio of the coordinate that attains the max (the max itself is biased upwards by noise). */
  ratioEmpiricalMaxSe: number;
  /** null when the estimator or the reference has no prediction. */
  ratioPredictedMean: Predicted<K>;
  /** Mean over the group of |empirical − predicted| / predicted for RP: how good the quadratic picture is (null without a predicted `rp` column). */
  rpPredictionError: Predicted<K>;
  /** Its SE, conservatively: the mean of SE(empirical)/predicted over the group (the SE if the coordinates' errors were perfectly correlated). */
  rpPredictionErrorSe: Predicted<K>;
}

/** What a column holds. */
export interface ComparedInfo {
  column: string;
  /** The estimator's name (registered, a VI preset, or an Estimator object's). */
  estimator: string;
  objective: ViObjective;
  /** The presets' constant baseline: b = 0 or the pilot-estimated optimal one. */
  baseline?: 'zero' | 'optimal';
  /** The closed form behind the predicted values, or null. */
  prediction: string | null;
  /** Whether the estimator has a sampling design (its draws are shaped, e.g. antithetic pairs). */
  designsNoise: boolean;
  /** Whether it transforms the draws across samples (e.g. Gaussian resampling `gr`). */
  transformsDraws: boolean;
  stateful: boolean;
}

/**
 * Where the variances are compared: `init` (the model's initial q), `optimum` (the VI fit) or `map`
 * (μ = MAP, σ_j = 1/√(−H_jj(MAP)): the mean-field optimum of the quadratic at the MAP, vi.md §2.2 and
 * §3.3's "near the optimum"; models with a closed-form Hessian only).
 */
export type ComparePoint = 'init' | 'optimum' | 'map';
export const COMPARE_POINTS: readonly ComparePoint[] = ['init', 'optimum', 'map'];

export interface PointComparison<K extends string = string> {
  point: ComparePoint;
  mu: number[];
  sigma: number[];
  elbo: number;
  quadratic: { c0: number; gradNorm: number };
  /** Baselines used by the *_opt rows (estimated from independent pilot draws). */
  baselines: { joint: { mu: number[]; sigma: number[] }; elbo: { mu: number[]; sigma: number[] } };
  rows: CoordinateRow<K>[];
  summary: GroupSummary<K>[];
}

export interface ModelComparison<K extends string = string> {
  model: string;
  data: string;
  dim: number;
  draws: number;
  /** The VI fit (null when the `optimum` point was not asked for). */
  fit: Omit<FitResult, 'mu' | 'sigma'> | null;
  points: PointComparison<K>[];
  /** The columns, in order. */
  estimators: ComparedInfo[];
  /** The column the group ratios divide by (the first). */
  reference: string;
  /** What the columns mean (see COMPARE_DESCRIPTION). */
  description: string;
}

/** What the empirical, se and predicted columns mean; written into every comparison. */
export const COMPARE_DESCRIPTION =
  'Per-coordinate single-draw variances of ELBO-gradient estimators in mean-field Gaussian VI (docs/algorithms/vi.md §3.2), ' +
  'at the initial point and at the VI optimum, every estimator on the same standard-normal draws. ' +
  'empirical: the sample variance over N draws of the per-sample contributions each estimator returns (ELBO-gradient terms in mu and log sigma; ' +
  'on the joint objective the entropy gradient is added analytically); se: its standard error from the 4th moment, which assumes independent draws. ' +
  'For an estimator with a sampling design or a cross-sample transform of the draws (estimators[].designsNoise, e.g. antithetic pairs; estimators[].transformsDraws, e.g. gr) ' +
  'the draws within each chunk are not independent: ' +
  'its column is the variance of its per-sample contributions as it returns them, not S times the variance of its S-sample estimate. ' +
  'A design that only pairs the draws shows the marginal single-draw variance (the gain from the pairing is in their covariance, which is not shown); ' +
  'an estimator that returns pair-averaged contributions shows the variance of the pair average; its se is optimistic either way. ' +
  'predicted: the closed form at the quadratic approximation of the log joint at mu (vi.md §2: Prop. A for RP, Prop. B for the constant-baseline score function, §2.8 on the elbo objective), ' +
  'null (an empty cell) for an estimator without a closed form. Group ratios divide by the reference column (the first listed); ' +
  'rp_prediction_error is the mean relative error of the rp prediction (null without a predicted rp column). ' +
  'ratio_se: the delta-method standard error of an empirical variance ratio, computed from the draws with every cross-moment (the estimators share their draws, so their variance estimates are dependent); ' +
  'for the max over a group it is the SE of the maximising coordinate (the max itself is biased upwards by noise). A stateful estimator starts each chunk of draws from its initial state.';

export interface CompareOptions {
  /** 'logreg' (Bayesian logistic regression) or 'bnn' (Bayesian neural network regression), or a Model. */
  model: 'logreg' | 'bnn' | Model;
  /** A shipped data set name ('breast-cancer', 'diabetes'), 'synthetic' (vi.md §3.3, logreg only) or a prepared Dataset. */
  data: string | Dataset;
  /** Where to compare (default init and optimum). */
  points?: readonly ComparePoint[];
  /** What to compare (default COMPARED); the first is the reference of the group ratios. */
  estimators?: readonly CompareEntry[];
  /** Single-draw estimates per estimator and point (default 20000). */
  samples?: number;
  rng: Rng;
  /** Draws for the pilot estimate of the optimal baselines (default samples / 4). */
  pilotSamples?: number;
  /** VI fit settings (RP + Adam). */
  fit?: { steps?: number; samples?: number; lr?: number };
  onProgress?: (stage: string) => void;
}

/** The data set name of vi.md §3.3's deterministic synthetic logistic regression. */
export const SYNTHETIC_DATA = 'synthetic';

/** Builds the named model on the named data set ('synthetic': vi.md §3.3, with its prior N(0, 10·I)). */
export function resolveModel(model: CompareOptions['model'], data: string | Dataset): { model: Model; data: Dataset } {
  if (data === SYNTHETIC_DATA && model !== 'logreg') throw new ConfigError('data', data, "a data set for this model: 'synthetic' is vi.md §3.3's logistic regression and needs model 'logreg'");
  if (typeof model !== 'string') return { model, data: typeof data === 'string' ? classificationData(data) : data };
  if (model === 'logreg') {
    if (data === SYNTHETIC_DATA) {
      const dataset = syntheticLogisticData();
      return { model: logisticRegression(dataset, { priorVariance: 10 }), data: dataset };
    }
    const dataset = typeof data === 'string' ? classificationData(data) : data;
    return { model: logisticRegression(dataset), data: dataset };
  }
  if (model === 'bnn') {
    const dataset = typeof data === 'string' ? regressionData(data) : data;
    return { model: bayesianNeuralNetwork(dataset), data: dataset };
  }
  throw new ConfigError('model', model, "'logreg', 'bnn' or a Model");
}

type Baselines = PointComparison['baselines'];

/** A column resolved: how to draw it and how to predict it. */
interface Setting {
  info: ComparedInfo;
  estimator: ViEstimator;
  predict: ((q: Quadratic, sigma: number[], baselines: Baselines) => ComponentVariances) | null;
}

const OBJECTIVE_SUFFIX = /@(joint|elbo)$/;

/** The columns of a comparison, checked up front (an unknown name lists the registered estimators). */
export function resolveCompared(entries: readonly CompareEntry[] = COMPARED): ComparedInfo[] {
  return resolveSettings(entries).map((s) => s.info);
}

function resolveSettings(entries: readonly CompareEntry[]): Setting[] {
  if (entries.length === 0) throw new ConfigError('estimators', entries, 'at least one estimator');
  const settings = entries.map(resolveEntry);
  const seen = new Set<string>();
  for (const s of settings) {
    if (seen.has(s.info.column)) throw new ConfigError('estimators', s.info.column, 'each column once (give a `column` name to tell two apart)');
    seen.add(s.info.column);
  }
  return settings;
}

function resolveEntry(entry: CompareEntry): Setting {
  if (typeof entry === 'string') {
    const preset = defaultColumn(entry);
    if (preset) return preset;
    const match = OBJECTIVE_SUFFIX.exec(entry);
    const name = match ? entry.slice(0, match.index) : entry;
    return estimatorSetting(entry, name, match ? (match[1] as ViObjective) : undefined);
  }
  if ('definition' in entry) return estimatorSetting(entry.name, entry, undefined);
  const column = entry.column ?? (typeof entry.estimator === 'string' ? entry.estimator : entry.estimator.name) + (entry.objective ? `@${entry.objective}` : '');
  return estimatorSetting(column, entry.estimator, entry.objective);
}

/** The five default columns (today's comparison, numbers and names unchanged). */
function defaultColumn(column: string): Setting | undefined {
  const sf = (variant: ViObjective, optimal: boolean): Setting => ({
    info: info(column, variant === 'joint' ? 'sf-joint' : 'sf-elbo', variant, undefined, optimal ? 'optimal' : 'zero', `Prop. B${variant === 'elbo' ? ' on h (vi.md §2.8)' : ' (vi.md §2.4)'}`),
    estimator: variant === 'joint' ? 'sf-joint' : 'sf-elbo',
    predict: (q, sigma, b) => sfVariances(q, sigma, optimal ? b[variant] : 0, variant),
  });
  switch (column) {
    case 'rp':
      return estimatorSetting('rp', 'rp', 'joint');
    case 'sf_joint':
      return sf('joint', false);
    case 'sf_joint_opt':
      return sf('joint', true);
    case 'sf_elbo':
      return sf('elbo', false);
    case 'sf_elbo_opt':
      return sf('elbo', true);
    default:
      return undefined;
  }
}

/** A registered estimator, a VI preset (b = 0) or an Estimator object; predicted only where a closed form is known. */
function estimatorSetting(column: string, spec: ViEstimator, objectiveOverride: ViObjective | undefined): Setting {
  if (typeof spec === 'string' && (spec === 'sf-joint' || spec === 'sf-elbo')) {
    const objective = objectiveOverride ?? (spec === 'sf-elbo' ? 'elbo' : 'joint');
    return {
      info: info(column, spec, objective, undefined, 'zero', `Prop. B${objective === 'elbo' ? ' on h (vi.md §2.8)' : ' (vi.md §2.4)'}`),
      estimator: spec,
      predict: (q, sigma) => sfVariances(q, sigma, 0, objective),
    };
  }
  const estimator = typeof spec === 'string' ? getViEstimator(spec) : spec;
  const objective = objectiveOverride ?? 'joint';
  // Closed forms exist for the built-in RP on the joint objective (Prop. A) and the score function with
  // b = 0 (Prop. B; §2.8 on h). Anything else, including RP on h ("sticking the landing"), gets null.
  let predict: Setting['predict'] = null;
  let prediction: string | null = null;
  if (isBuiltinEstimator(estimator, 'rp') && objective === 'joint') {
    predict = (q, sigma) => rpVariances(q, sigma);
    prediction = 'Prop. A (vi.md §2.3)';
  } else if (isBuiltinEstimator(estimator, 'lr') || isBuiltinEstimator(estimator, 'lr-constant')) {
    predict = (q, sigma) => sfVariances(q, sigma, 0, objective);
    prediction = `Prop. B with b = 0${objective === 'elbo' ? ' on h (vi.md §2.8)' : ' (vi.md §2.4)'}`;
  }
  return { info: info(column, typeof spec === 'string' ? spec : estimator.name, objective, estimator, undefined, prediction), estimator: spec, predict };
}

function info(column: string, name: string, objective: ViObjective, estimator: Estimator<any> | undefined, baseline: 'zero' | 'optimal' | undefined, prediction: string | null): ComparedInfo {
  return {
    column,
    estimator: name,
    objective,
    ...(baseline ? { baseline } : {}),
    prediction,
    designsNoise: estimator?.designsNoise ?? false,
    transformsDraws: typeof estimator?.transform === 'function',
    stateful: estimator?.stateful ?? false,
  };
}

/**
 * Fits the VI posterior with RP + Adam, then at the initial point and at the optimum draws
 * `samples` single-draw estimates per estimator and tabulates per-coordinate variances with the
 * quadratic-approximation prediction (closed forms of vi.md §2 at (f(μ), ∇f(μ), ∇²f(μ))) where one exists.
 */
export async function compareOnModel(options: CompareOptions & { estimators?: undefined }): Promise<ModelComparison<DefaultColumn>>;
export async function compareOnModel(options: CompareOptions): Promise<ModelComparison>;
export async function compareOnModel(options: CompareOptions): Promise<ModelComparison> {
  const settings = resolveSettings(options.estimators ?? COMPARED);
  const { model, data } = resolveModel(options.model, options.data);
  const samples = options.samples ?? 20000;
  const pilot = options.pilotSamples ?? Math.max(1000, Math.floor(samples / 4));
  const rng = options.rng;
  const wanted = options.points ?? ['init', 'optimum'];
  if (wanted.length === 0 || wanted.some((p) => !COMPARE_POINTS.includes(p))) throw new ConfigError('points', wanted, `one or more of ${COMPARE_POINTS.join(', ')}`);
  if (wanted.includes('map') && !model.quadraticAt) throw new ConfigError('points', 'map', `a model with a closed-form Hessian ('${model.name}' has none)`);
  let fit: FitResult | undefined;
  if (wanted.includes('optimum')) {
    options.onProgress?.('fit');
    fit = await fitMeanField({
      logJoint: model.logJoint,
      init: model.init,
      estimator: 'rp',
      steps: options.fit?.steps ?? 2000,
      samples: options.fit?.samples ?? 16,
      lr: options.fit?.lr ?? 0.05,
      rng: rng.fork(1),
    });
  }
  // Fork keys per point are fixed (init 2, optimum 3, map 4), so a point's numbers do not depend on which others run.
  const keys: Record<ComparePoint, number> = { init: 2, optimum: 3, map: 4 };
  const points: PointComparison[] = [];
  for (const label of wanted) {
    const at = label === 'init' ? model.init : label === 'optimum' ? { mu: fit!.mu, sigma: fit!.sigma } : mapPoint(model);
    options.onProgress?.(label);
    points.push(await comparePoint(model, settings, label, at.mu, at.sigma, samples, pilot, rng.fork(keys[label])));
  }
  let fitInfo: ModelComparison['fit'] = null;
  if (fit) {
    const { mu: _mu, sigma: _sigma, ...rest } = fit;
    fitInfo = rest;
  }
  return {
    model: model.name,
    data: data.name,
    dim: model.dim,
    draws: samples,
    fit: fitInfo,
    points,
    estimators: settings.map((s) => s.info),
    reference: settings[0]!.info.column,
    description: COMPARE_DESCRIPTION,
  };
}

/** μ = MAP (Newton), σ_j = 1/√(−H_jj(MAP)). */
function mapPoint(model: Model): { mu: number[]; sigma: number[] } {
  const mu = newtonMap(model);
  const { H } = model.quadraticAt!(mu);
  return { mu, sigma: H.map((row, j) => 1 / Math.sqrt(-row[j]!)) };
}

async function comparePoint(model: Model, settings: Setting[], point: ComparePoint, mu: number[], sigma: number[], samples: number, pilot: number, rng: Rng): Promise<PointComparison> {
  const q: Quadratic = model.quadraticAt ? model.quadraticAt(mu) : await quadraticApproximation(model.logJoint, mu);
  const logJoint = model.logJoint;
  const joint = await estimateOptimalBaselines({ logJoint, mu, sigma, variant: 'joint', draws: pilot, rng: rng.fork(10) });
  const elbo = await estimateOptimalBaselines({ logJoint, mu, sigma, variant: 'elbo', draws: pilot, rng: rng.fork(11) });
  const baselines = { joint, elbo };
  const d = mu.length;
  const columns = settings.map((s) => s.info.column);
  const empirical: Record<string, Record<'mu' | 'logsigma', { variance: number[]; se: number[] }>> = {};
  const predicted: Record<string, ComponentVariances | null> = {};
  // The reference column's draws are kept to give every other column's ratios their standard errors.
  let referenceDraws: Record<'mu' | 'logsigma', Float64Array> | undefined;
  const ratios: Record<string, Record<'mu' | 'logsigma', { ratio: number[]; se: number[]; group: (columns: number[]) => { ratio: number; se: number } }>> = {};
  for (const s of settings) {
    const { column, objective, baseline } = s.info;
    const b = baseline === 'optimal' ? baselines[objective] : baseline === 'zero' ? 0 : undefined;
    // Common random numbers: every estimator sees the same ε (before its own sampling design).
    const draws = await viGradientDraws({ logJoint, mu, sigma, estimator: s.estimator, objective, ...(b !== undefined ? { baseline: b } : {}), draws: samples, chunk: 2000, rng: rng.fork(100) });
    const m = (data: Float64Array) => {
      const c = columnMoments(data, samples, d);
      return { variance: c.variance, se: c.seVariance };
    };
    empirical[column] = { mu: m(draws.mu), logsigma: m(draws.logsigma) };
    referenceDraws ??= { mu: draws.mu, logsigma: draws.logsigma };
    const paired = (param: 'mu' | 'logsigma') => {
      const pair = { a: draws[param], b: referenceDraws![param], n: samples, d };
      return { ...varianceRatios(pair), group: (columns: number[]) => varianceRatioMean(pair, columns) };
    };
    ratios[column] = { mu: paired('mu'), logsigma: paired('logsigma') };
    predicted[column] = s.predict ? s.predict(q, sigma, baselines) : null;
  }
  const groupOf = (i: number) => Object.entries(model.groups).find(([, idx]) => idx.includes(i))?.[0] ?? 'all';
  const rows: CoordinateRow[] = [];
  for (const param of ['mu', 'logsigma'] as const) {
    for (let i = 0; i < d; i++) {
      const pick = <T>(f: (column: string) => T) => Object.fromEntries(columns.map((n) => [n, f(n)])) as Record<string, T>;
      rows.push({
        param,
        index: i,
        name: model.parameterNames[i] ?? `theta[${i}]`,
        group: groupOf(i),
        empirical: pick((n) => empirical[n]![param].variance[i]!),
        se: pick((n) => empirical[n]![param].se[i]!),
        predicted: pick((n) => predicted[n]?.[param][i] ?? null),
        ratio: pick((n) => ratios[n]![param].ratio[i]!),
        ratioSe: pick((n) => ratios[n]![param].se[i]!),
      });
    }
  }
  const reference = columns[0]!;
  const rpPredicted = predicted.rp !== undefined && predicted.rp !== null;
  const summary: GroupSummary[] = [];
  for (const param of ['mu', 'logsigma'] as const) {
    // The model's groups, then every coordinate together ('all'), unless the model has a group of that name.
    const own = Object.keys(model.groups);
    for (const group of own.includes(ALL_COORDINATES) ? own : [...own, ALL_COORDINATES]) {
      const inGroup = rows.filter((r) => r.param === param && (r.group === group || (group === ALL_COORDINATES && !own.includes(ALL_COORDINATES))));
      if (inGroup.length === 0) continue;
      const rpError = rpPredicted ? mean(inGroup.map((r) => Math.abs(r.empirical.rp! - r.predicted.rp!) / r.predicted.rp!)) : null;
      const rpErrorSe = rpPredicted ? mean(inGroup.map((r) => r.se.rp! / r.predicted.rp!)) : null;
      for (const estimator of columns.filter((n) => n !== reference)) {
        const groupRatios = inGroup.map((r) => r.ratio[estimator]!);
        const both = predicted[estimator] !== null && predicted[reference] !== null;
        // The maximising coordinate; a 0/0 ratio (a reference with zero variance) is NaN and makes the max NaN, as it should.
        const max = Math.max(...groupRatios);
        const top = inGroup.find((r) => r.ratio[estimator] === max);
        const meanRatio = ratios[estimator]![param].group(inGroup.map((r) => r.index));
        summary.push({
          param,
          group,
          coordinates: inGroup.length,
          estimator,
          ratioEmpiricalMean: meanRatio.ratio,
          ratioEmpiricalMeanSe: meanRatio.se,
          ratioEmpiricalMin: Math.min(...groupRatios),
          ratioEmpiricalMax: max,
          ratioEmpiricalMaxSe: top ? top.ratioSe[estimator]! : Number.NaN,
          ratioPredictedMean: both ? mean(inGroup.map((r) => r.predicted[estimator]! / r.predicted[reference]!)) : null,
          rpPredictionError: rpError,
          rpPredictionErrorSe: rpErrorSe,
        });
      }
    }
  }
  const elboValue = await estimateElbo(logJoint, mu, sigma.map(Math.log), 2000, rng.fork(12));
  return {
    point,
    mu,
    sigma,
    elbo: elboValue,
    quadratic: { c0: q.c0, gradNorm: Math.sqrt(Array.from(q.g).reduce((a, g) => a + g * g, 0)) },
    baselines,
    rows,
    summary,
  };
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
