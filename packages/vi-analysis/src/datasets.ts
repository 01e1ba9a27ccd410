import type { RawDataset } from './data/raw-dataset.js';
import { UnknownNameError } from '@pathwise/core';
import { BREAST_CANCER } from './data/breast-cancer.js';
import { DIABETES } from './data/diabetes.js';

/** A data set as shipped: raw feature values, row-major, with provenance (see DATA_LICENSES.md). */
export type { RawDataset } from './data/raw-dataset.js';

/** A design matrix ready for a model: standardised features (+ a leading bias column), targets. */
export interface Dataset {
  name: string;
  n: number;
  /** Columns of X (with the bias column when added). */
  d: number;
  /** n × d, row-major. */
  X: number[];
  y: number[];
  columns: string[];
  /** Per raw feature: the mean and (population) standard deviation used to standardise it. */
  featureMeans: number[];
  featureStds: number[];
  description: string;
}

export const RAW_DATASETS: Record<string, RawDataset> = { 'breast-cancer': BREAST_CANCER, diabetes: DIABETES };

export function rawDataset(name: string): RawDataset {
  const raw = RAW_DATASETS[name];
  if (!raw) throw new UnknownNameError('dataset', name, Object.keys(RAW_DATASETS));
  return raw;
}

/** Standardises columns to mean 0 and (population) standard deviation 1, as scikit-learn's StandardScaler. */
export function standardize(x: readonly number[], n: number, p: number): { x: number[]; means: number[]; stds: number[] } {
  const means = new Array<number>(p).fill(0);
  const stds = new Array<number>(p).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) means[j] = means[j]! + x[i * p + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) stds[j] = stds[j]! + (x[i * p + j]! - means[j]!) ** 2 / n;
  for (let j = 0; j < p; j++) stds[j] = Math.sqrt(stds[j]!) || 1;
  return { x: x.map((v, k) => (v - means[k % p]!) / stds[k % p]!), means, stds };
}

/**
 * A binary-classification design: standardised features plus a bias column (d = p + 1), as in
 * Mohamed et al.'s Bayesian logistic regression. `diabetes` is binarised: y = 1 when the
 * progression exceeds its median (140.5).
 */
export function classificationData(name: string): Dataset {
  const raw = rawDataset(name);
  const { x, means, stds } = standardize(raw.x, raw.n, raw.p);
  let y = raw.y;
  let description = raw.description;
  if (raw.task === 'regression') {
    const median = medianOf(raw.y);
    y = raw.y.map((v) => (v > median ? 1 : 0));
    description = `${raw.description}; binarised: y = 1 when the target exceeds its median ${median}`;
  }
  const d = raw.p + 1;
  const X: number[] = [];
  for (let i = 0; i < raw.n; i++) X.push(1, ...x.slice(i * raw.p, (i + 1) * raw.p));
  return { name, n: raw.n, d, X, y, columns: ['bias', ...raw.features], featureMeans: means, featureStds: stds, description };
}

/** A regression design: standardised features (no bias column) and a standardised target. */
export function regressionData(name: string): Dataset {
  const raw = rawDataset(name);
  if (raw.task !== 'regression')
    throw new UnknownNameError(
      'regression dataset',
      name,
      Object.values(RAW_DATASETS)
        .filter((r) => r.task === 'regression')
        .map((r) => r.name),
    );
  const { x, means, stds } = standardize(raw.x, raw.n, raw.p);
  const t = standardize(raw.y, raw.n, 1);
  return { name, n: raw.n, d: raw.p, X: x, y: t.x, columns: raw.features, featureMeans: means, featureStds: stds, description: `${raw.description}; target standardised` };
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The deterministic synthetic logistic data of vi.md §3.3: n = 200, x_i = (1, sin i, cos 1.7i),
 * β = (−0.5, 1, −1), y_i = 1[frac(iφ) < sigmoid(x_iᵀβ)] with φ = (√5 − 1)/2 (Σy = 74).
 */
export function syntheticLogisticData(): Dataset {
  const phi = (Math.sqrt(5) - 1) / 2;
  const beta = [-0.5, 1, -1];
  const X: number[] = [];
  const y: number[] = [];
  for (let i = 1; i <= 200; i++) {
    const row = [1, Math.sin(i), Math.cos(1.7 * i)];
    X.push(...row);
    const eta = row.reduce((a, v, j) => a + v * beta[j]!, 0);
    const u = (i * phi) % 1;
    y.push(u < 1 / (1 + Math.exp(-eta)) ? 1 : 0);
  }
  return {
    name: 'synthetic-logistic',
    n: 200,
    d: 3,
    X,
    y,
    columns: ['bias', 'sin i', 'cos 1.7i'],
    featureMeans: [],
    featureStds: [],
    description: 'vi.md §3.3 deterministic synthetic logistic regression',
  };
}
