import { ConfigError, resolveConfig, stopGradient, type ConfigSchema, tf, type Rng } from '@pathwise/core';
import { cholesky, choleskySolve, choleskyInverse, inverseLowerTransposed, NotPositiveDefiniteError } from './linalg.js';
import {
  diagGaussianLogPdf,
  inputsAndTargets,
  transitionsFromJSON,
  transitionsToJSON,
  type DynamicsModel,
  type FitReport,
  type ModelState,
  type TransitionData,
  type TransitionJSON,
} from './types.js';

export interface GpOptions {
  /** Adam steps on the log marginal likelihood per fit (spec §1.3: 100). */
  steps?: number;
  /** Adam learning rate on the log-hyperparameters (spec: 0.1). */
  lr?: number;
  /** Added to every noise variance (spec: noise ≥ 1e-6). */
  noiseFloor?: number;
  /** Predictive variances below this are replaced by it, with a straight-through gradient (spec §1.3). */
  varianceJitter?: number;
  /**
   * Most data points M that the predictive *mean* touches (default 100). With N ≤ M the mean is
   * exact; otherwise M inducing points are chosen among the data by farthest-point sampling in each
   * output's lengthscale-scaled input space (starting from the newest point), and the mean is the
   * projected-process (DTC) mean, which still uses all N points through M weights.
   */
  inducingPoints?: number;
  /**
   * Most points the predictive *variance* conditions on (default 50): the first ones of the same
   * farthest-point order. The variance is the exact GP variance given those points (subset of
   * data: never below the exact variance). See the note at `GaussianProcessModel`.
   */
  variancePoints?: number;
}

export const GP_DEFAULTS: Required<GpOptions> = { steps: 100, lr: 0.1, noiseFloor: 1e-6, varianceJitter: 1e-6, inducingPoints: 100, variancePoints: 50 };
export const GP_SCHEMA: ConfigSchema = {
  steps: { type: 'integer', min: 0, max: 1_000_000 },
  lr: { type: 'number', min: Number.MIN_VALUE },
  noiseFloor: { type: 'number', min: Number.MIN_VALUE },
  varianceJitter: { type: 'number', min: 0 },
  inducingPoints: { type: 'integer', min: 1, max: 100_000 },
  variancePoints: { type: 'integer', min: 1, max: 100_000 },
};

/** Log-hyperparameters of one output: θ = [log ℓ_1..log ℓ_Q, log σ_f², log σ_n²]. */
export type GpHyperparameters = Float64Array;

/**
 * The ARD squared-exponential kernel without noise, σ_f² exp(−½ Σ_k (a_k − b_k)²/ℓ_k²), between all
 * row pairs of `inputs` (N×Q), in float64; also returns the per-dimension scaled squared
 * distances when `keepDistances` (N·N·Q, needed for the lengthscale gradient).
 */
function signalKernel(inputs: Float64Array, N: number, Q: number, theta: GpHyperparameters): Float64Array {
  const inverseSquared = new Float64Array(Q);
  for (let k = 0; k < Q; k++) inverseSquared[k] = Math.exp(-2 * theta[k]!);
  const signal = Math.exp(theta[Q]!);
  const K = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    K[i * N + i] = signal;
    for (let j = 0; j < i; j++) {
      let sq = 0;
      for (let k = 0; k < Q; k++) {
        const d = inputs[i * Q + k]! - inputs[j * Q + k]!;
        sq += d * d * inverseSquared[k]!;
      }
      const value = signal * Math.exp(-0.5 * sq);
      K[i * N + j] = value;
      K[j * N + i] = value;
    }
  }
  return K;
}

/** Cholesky of K + (σ_n² + floor) I, retrying with growing jitter if rounding breaks definiteness. */
function noisyCholesky(Kf: Float64Array, N: number, noise: number): { L: Float64Array; jitter: number } {
  let jitter = 0;
  for (let attempt = 0; attempt < 6; attempt++) {
    const K = Float64Array.from(Kf);
    for (let i = 0; i < N; i++) K[i * N + i] = K[i * N + i]! + noise + jitter;
    try {
      return { L: cholesky(K, N), jitter };
    } catch (error) {
      if (!(error instanceof NotPositiveDefiniteError)) throw error;
      jitter = jitter === 0 ? 1e-8 * (Kf[0] ?? 1) : jitter * 10;
    }
  }
  throw new NotPositiveDefiniteError(-1, NaN);
}

/**
 * The negative log marginal likelihood of one GP output (zero prior mean, ARD SE kernel, Gaussian
 * noise σ_n² + floor) and its analytic gradient w.r.t. θ = [log ℓ, log σ_f², log σ_n²], in float64:
 *   NLML = ½ yᵀα + Σ log L_ii + ½ N log 2π,   α = K⁻¹y,
 *   ∂NLML/∂θ_j = −½ tr((ααᵀ − K⁻¹) ∂K/∂θ_j).
 */
export function gpNegativeLogMarginalLikelihood(
  inputs: Float64Array,
  N: number,
  Q: number,
  y: Float64Array,
  theta: GpHyperparameters,
  noiseFloor = GP_DEFAULTS.noiseFloor,
): { value: number; gradient: Float64Array } {
  const Kf = signalKernel(inputs, N, Q, theta);
  const noiseVariance = Math.exp(theta[Q + 1]!);
  const { L } = noisyCholesky(Kf, N, noiseVariance + noiseFloor);
  const alpha = choleskySolve(L, N, y);
  let value = 0.5 * N * Math.log(2 * Math.PI);
  for (let i = 0; i < N; i++) value += 0.5 * y[i]! * alpha[i]! + Math.log(L[i * N + i]!);
  const Kinv = choleskyInverse(L, N);
  // M = (ααᵀ − K⁻¹) ⊙ K_f; tr(W ∂K/∂θ) reduces to sums over M (and the diagonal of W for the noise).
  const gradient = new Float64Array(Q + 2);
  const inverseSquared = new Float64Array(Q);
  for (let k = 0; k < Q; k++) inverseSquared[k] = Math.exp(-2 * theta[k]!);
  let signalSum = 0;
  let traceW = 0;
  const lengthSums = new Float64Array(Q);
  for (let i = 0; i < N; i++) {
    const wii = alpha[i]! * alpha[i]! - Kinv[i * N + i]!;
    traceW += wii;
    signalSum += wii * Kf[i * N + i]!;
    for (let j = 0; j < i; j++) {
      const m = 2 * (alpha[i]! * alpha[j]! - Kinv[i * N + j]!) * Kf[i * N + j]!; // both triangles
      signalSum += m;
      for (let k = 0; k < Q; k++) {
        const d = inputs[i * Q + k]! - inputs[j * Q + k]!;
        lengthSums[k] = lengthSums[k]! + m * d * d;
      }
    }
  }
  for (let k = 0; k < Q; k++) gradient[k] = -0.5 * lengthSums[k]! * inverseSquared[k]!;
  gradient[Q] = -0.5 * signalSum;
  gradient[Q + 1] = -0.5 * noiseVariance * traceW;
  return { value, gradient };
}

/** The spec's "smart init" (§1.3), with the signal variance actually initialised (pitfall §7.2.1). */
export function gpSmartInit(inputs: Float64Array, N: number, Q: number, y: Float64Array): GpHyperparameters {
  const theta = new Float64Array(Q + 2);
  for (let k = 0; k < Q; k++) {
    let mean = 0;
    for (let i = 0; i < N; i++) mean += inputs[i * Q + k]!;
    mean /= N;
    let variance = 0;
    for (let i = 0; i < N; i++) variance += (inputs[i * Q + k]! - mean) ** 2;
    const std = Math.sqrt(variance / Math.max(N - 1, 1));
    theta[k] = Math.log(std > 0 ? std / 10 : 1); // lengthscale = std(inputs)/10
  }
  let mean = 0;
  let second = 0;
  for (let i = 0; i < N; i++) {
    mean += y[i]!;
    second += y[i]! * y[i]!;
  }
  mean /= N;
  second /= N;
  const variance = Math.max(second - mean * mean, 0);
  // Zero prior mean: the prior variance of f at a point is its second moment E[Δ²] = var + mean².
  theta[Q] = Math.log(Math.max(second, 1e-8));
  // A signal-to-noise ratio of 10 to start with (the demo starts at var(targets), all noise).
  theta[Q + 1] = Math.log(Math.max(variance / 100, 1e-8));
  return theta;
}

/** Maximises the marginal likelihood with Adam on the log-hyperparameters, float64 on the host. */
export function fitGpOutput(
  inputs: Float64Array,
  N: number,
  Q: number,
  y: Float64Array,
  options: { steps: number; lr: number; noiseFloor: number },
): { theta: GpHyperparameters; initialLoss: number; loss: number } {
  const theta = gpSmartInit(inputs, N, Q, y);
  // Adam (β = 0.9, 0.999, ε = 1e-8) written out: core's Adam updates float32 tfjs variables.
  const m = new Float64Array(Q + 2);
  const v = new Float64Array(Q + 2);
  let initialLoss = NaN;
  let best = { loss: Infinity, theta: Float64Array.from(theta) };
  for (let step = 1; step <= options.steps + 1; step++) {
    const { value, gradient } = gpNegativeLogMarginalLikelihood(inputs, N, Q, y, theta, options.noiseFloor);
    if (step === 1) initialLoss = value;
    if (value < best.loss && gradient.every(Number.isFinite)) best = { loss: value, theta: Float64Array.from(theta) };
    if (step > options.steps || !gradient.every(Number.isFinite)) break;
    for (let j = 0; j < Q + 2; j++) {
      m[j] = 0.9 * m[j]! + 0.1 * gradient[j]!;
      v[j] = 0.999 * v[j]! + 0.001 * gradient[j]! * gradient[j]!;
      const mHat = m[j]! / (1 - 0.9 ** step);
      const vHat = v[j]! / (1 - 0.999 ** step);
      // Bounds keep exp() finite and K factorable if the likelihood runs away.
      theta[j] = Math.min(12, Math.max(-16, theta[j]! - (options.lr * mHat) / (Math.sqrt(vHat) + 1e-8)));
    }
  }
  // The best iterate (Adam on a noisy-conditioned objective can end slightly above it).
  return { theta: best.theta, initialLoss, loss: best.loss };
}

/**
 * Greedy farthest-point subset of `count` rows in the scaled space, starting from the last row, in
 * selection order (so every prefix is itself a farthest-point subset).
 */
function farthestPointSubset(inputs: Float64Array, N: number, Q: number, inverseLengthscale: Float64Array, count: number): number[] {
  const chosen = [N - 1];
  const distance = new Float64Array(N).fill(Infinity);
  let latest = N - 1;
  while (chosen.length < count) {
    let far = -1;
    let farDistance = -1;
    for (let i = 0; i < N; i++) {
      let sq = 0;
      for (let k = 0; k < Q; k++) sq += ((inputs[i * Q + k]! - inputs[latest * Q + k]!) * inverseLengthscale[k]!) ** 2;
      if (sq < distance[i]!) distance[i] = sq;
      if (distance[i]! > farDistance) {
        farDistance = distance[i]!;
        far = i;
      }
    }
    if (farDistance <= 0) break; // only duplicates left
    chosen.push(far);
    latest = far;
  }
  return chosen;
}

/**
 * What prediction needs, precomputed once per fit (float32 device tensors). Every product is a plain
 * 2-D matMul over all D outputs at once: tfjs-wasm runs batched (rank-3) matMuls about 8× slower
 * per flop than 2-D ones (measured), and a policy step makes hundreds of them.
 * Columns of the kernel row k [R, D·M] are ordered: the first V points of every output (d-major),
 * then the remaining M − V of every output, so the variance points are one contiguous slice.
 */
interface GpPredictor {
  inputMean: tf.Tensor; // [Q]
  /**
   * [z, z², 1] times this is log k = log σ_f² − ½|(z − p)/ℓ|² for every output and point: rows are
   * p/ℓ² (Q rows), −½/ℓ² (Q rows), and log σ_f² − ½|p/ℓ|² (−1e30 on padding columns).
   */
  logKernel: tf.Tensor; // [2Q + 1, D·M]
  /** k times this is the mean: column d holds output d's weights β (K⁻¹y when M = N; DTC otherwise). */
  meanWeights: tf.Tensor; // [D·M, D]
  /** Block-diagonal Q_d = L_d⁻ᵀ with L_d L_dᵀ = K_VV + σ_n² I: |k_V Q_d|² = k_V (K_VV + σ_n² I)⁻¹ k_Vᵀ. */
  precisionBlocks: tf.Tensor; // [D·V, D·V]
  /** Sums each output's V squared columns. */
  blockSum: tf.Tensor; // [D·V, D]
  /** σ_f² + σ_n² per output: the predictive variance before the data explain any of it. */
  priorVariance: tf.Tensor; // [1, D]
  pointCount: number;
  variancePointCount: number;
}

/**
 * D independent GPs on z = [x, u] predicting Δ = x' − x (spec §1.3): zero mean, ARD squared-
 * exponential kernel with per-output σ_f² and lengthscales, Gaussian noise per output (+ floor).
 * Fitted on the host in float64 (own Cholesky, analytic NLML gradient, Adam lr 0.1 × 100 steps
 * after the smart init); predictions in float32 tfjs, differentiable w.r.t. x and u, batched over
 * rows and outputs in about 20 ops.
 *
 * Prediction scheme (measured; numbers in the package README): the exact posterior touches all N
 * points per prediction, i.e. [D, R, N] kernel tensors and an [R, N]×[N, N] product per output for
 * the variance. At N = 450, R = 600 (TP's 2P batch) one predict+VJP took ~0.3 s on wasm even with
 * the variance on 50 points (a policy step makes 60 of them), and minutes per policy step on cpu.
 * So the mean uses at most M = `inducingPoints` points (exact below that; above, the DTC mean
 * k_*M (σ²K_MM + K_MN K_NM)⁻¹ K_MN y, which still uses all N points through M weights) and the
 * variance the first V = `variancePoints` of them (the exact GP variance given V points: never
 * below the exact variance, well conditioned thanks to the noise). The points are a farthest-
 * point subset in each output's scaled input space; mean and variance share one [R, D·M] kernel
 * tensor made by a single 2-D matMul and an exp (see `GpPredictor`). M = 100, V = 50 cost about
 * what the true cart-pole dynamics cost (~50 ms per predict+VJP at R = 600 on wasm).
 */
export class GaussianProcessModel implements DynamicsModel {
  readonly name = 'gp';
  readonly rowMultiple = 1;
  readonly options: Required<GpOptions>;
  private predictor?: GpPredictor;
  private hyper: GpHyperparameters[] = [];
  private data?: TransitionData;

  constructor(
    readonly stateDim: number,
    readonly actionDim: number,
    options: GpOptions = {},
  ) {
    this.options = resolveConfig(GP_SCHEMA, GP_DEFAULTS, options as Record<string, unknown>, {}, 'gp.');
  }

  /** The fitted log-hyperparameters per output ([log ℓ..., log σ_f², log σ_n²]). */
  get hyperparameters(): readonly GpHyperparameters[] {
    return this.hyper;
  }

  fit(data: TransitionData, _rng?: Rng): FitReport {
    if (data.count < 1) throw new ConfigError('data', data.count, 'at least one transition to fit the GP');
    const start = performance.now();
    const { inputs, targets, inputDim: Q } = inputsAndTargets(data);
    const N = data.count;
    const D = this.stateDim;
    const hyper: GpHyperparameters[] = [];
    let loss = 0;
    let initialLoss = 0;
    for (let d = 0; d < D; d++) {
      const y = new Float64Array(N);
      for (let i = 0; i < N; i++) y[i] = targets[i * D + d]!;
      const fitted = fitGpOutput(inputs, N, Q, y, this.options);
      hyper.push(fitted.theta);
      loss += fitted.loss;
      initialLoss += fitted.initialLoss;
    }
    this.setPosterior(data, hyper);
    return {
      loss,
      initialLoss,
      steps: this.options.steps,
      seconds: (performance.now() - start) / 1000,
      details: {
        lengthscales: hyper.map((t) => Array.from(t.slice(0, Q), Math.exp)),
        signal_variance: hyper.map((t) => Math.exp(t[Q]!)),
        noise_variance: hyper.map((t) => Math.exp(t[Q + 1]!) + this.options.noiseFloor),
        inducing_points: this.predictor!.pointCount,
        variance_points: this.predictor!.variancePointCount,
      },
    };
  }

  /** Conditions on `data` with given hyperparameters and precomputes what `predict` needs. */
  setPosterior(data: TransitionData, hyper: readonly GpHyperparameters[]): void {
    const { inputs: raw, targets, inputDim: Q } = inputsAndTargets(data);
    const N = data.count;
    const D = this.stateDim;
    // Centre the inputs (the kernel is shift-invariant): smaller norms, less float32 cancellation in z·p − ½|z|² − ½|p|².
    const inputMean = new Float64Array(Q);
    for (let i = 0; i < N; i++) for (let k = 0; k < Q; k++) inputMean[k] = inputMean[k]! + raw[i * Q + k]! / N;
    const inputs = Float64Array.from(raw, (v, idx) => v - inputMean[idx % Q]!);
    const M = Math.min(N, this.options.inducingPoints);
    const V = Math.min(M, this.options.variancePoints);
    const columns = D * M;
    const column = (d: number, r: number) => (r < V ? d * V + r : D * V + d * (M - V) + (r - V));
    const logKernel = new Float32Array((2 * Q + 1) * columns);
    const meanWeights = new Float32Array(columns * D);
    const precisionBlocks = new Float32Array(D * V * D * V);
    const blockSum = new Float32Array(D * V * D);
    const priorVariance = new Float32Array(D);
    for (let d = 0; d < D; d++) {
      const theta = hyper[d]!;
      const inverse = Float64Array.from({ length: Q }, (_, k) => Math.exp(-theta[k]!));
      const noiseVariance = Math.exp(theta[Q + 1]!) + this.options.noiseFloor;
      const y = Float64Array.from({ length: N }, (_, i) => targets[i * D + d]!);
      const subset = V === N ? Array.from({ length: N }, (_, i) => i) : farthestPointSubset(inputs, N, Q, inverse, M);
      const m = subset.length; // < M only if the data hold exact duplicates: the padding rows stay zero
      const sub = new Float64Array(m * Q);
      subset.forEach((row, r) => sub.set(inputs.subarray(row * Q, row * Q + Q), r * Q));
      const Kmm = signalKernel(sub, m, Q, theta);
      let beta: Float64Array;
      if (m === N) {
        // Exact: α = K⁻¹y with the points (and so y) in subset order.
        beta = choleskySolve(
          noisyCholesky(Kmm, m, noiseVariance).L,
          m,
          Float64Array.from(subset, (row) => y[row]!),
        );
      } else {
        // DTC mean weights β = (σ²K_MM + K_MN K_NM)⁻¹ K_MN y, all N points through M numbers.
        const Kmn = new Float64Array(m * N);
        const signalVariance = Math.exp(theta[Q]!);
        for (let r = 0; r < m; r++) {
          for (let i = 0; i < N; i++) {
            let sq = 0;
            for (let k = 0; k < Q; k++) sq += ((sub[r * Q + k]! - inputs[i * Q + k]!) * inverse[k]!) ** 2;
            Kmn[r * N + i] = signalVariance * Math.exp(-0.5 * sq);
          }
        }
        const A = new Float64Array(m * m);
        const b = new Float64Array(m);
        for (let r = 0; r < m; r++) {
          for (let c = 0; c <= r; c++) {
            let dot = 0;
            for (let i = 0; i < N; i++) dot += Kmn[r * N + i]! * Kmn[c * N + i]!;
            const value = noiseVariance * Kmm[r * m + c]! + dot;
            A[r * m + c] = value;
            A[c * m + r] = value;
          }
          let dot = 0;
          for (let i = 0; i < N; i++) dot += Kmn[r * N + i]! * y[i]!;
          b[r] = dot;
        }
        beta = choleskySolve(noisyCholesky(A, m, 0).L, m, b);
      }
      const v = Math.min(V, m);
      const varianceKernel = signalKernel(sub.subarray(0, v * Q), v, Q, theta);
      const factor = inverseLowerTransposed(noisyCholesky(varianceKernel, v, noiseVariance).L, v); // L⁻ᵀ, row-major
      const logSignal = theta[Q]!;
      for (let r = 0; r < M; r++) {
        const c = column(d, r);
        if (r >= m) {
          logKernel[2 * Q * columns + c] = -1e30; // padding (exact duplicates only): k vanishes
          continue;
        }
        let sq = 0;
        for (let k = 0; k < Q; k++) {
          const scaled = sub[r * Q + k]! * inverse[k]!;
          logKernel[k * columns + c] = scaled * inverse[k]!;
          logKernel[(Q + k) * columns + c] = -0.5 * inverse[k]! * inverse[k]!;
          sq += scaled * scaled;
        }
        logKernel[2 * Q * columns + c] = logSignal - 0.5 * sq;
        meanWeights[c * D + d] = beta[r]!;
      }
      for (let i = 0; i < v; i++) for (let j = 0; j < v; j++) precisionBlocks[(d * V + i) * D * V + d * V + j] = factor[i * v + j]!;
      for (let i = 0; i < V; i++) blockSum[(d * V + i) * D + d] = 1;
      priorVariance[d] = Math.exp(logSignal) + noiseVariance;
    }
    this.disposePredictor();
    this.predictor = {
      inputMean: tf.tensor1d(Float32Array.from(inputMean)),
      logKernel: tf.tensor2d(logKernel, [2 * Q + 1, columns]),
      meanWeights: tf.tensor2d(meanWeights, [columns, D]),
      precisionBlocks: tf.tensor2d(precisionBlocks, [D * V, D * V]),
      blockSum: tf.tensor2d(blockSum, [D * V, D]),
      priorVariance: tf.tensor2d(priorVariance, [1, D]),
      pointCount: M,
      variancePointCount: V,
    };
    this.hyper = hyper.map((t) => Float64Array.from(t));
    this.data = data;
  }

  predict(x: tf.Tensor, u: tf.Tensor): { mean: tf.Tensor; std: tf.Tensor } {
    const p = this.predictor;
    if (!p) throw new ConfigError('gp', 'unfitted', 'fit() or load() before predict()');
    return tf.tidy(() => {
      const z = tf.sub(tf.concat([x, u], 1), p.inputMean); // [R, Q]
      const features = tf.concat([z, tf.square(z), tf.ones([z.shape[0]!, 1])], 1); // [R, 2Q + 1]
      const k = tf.exp(tf.matMul(features, p.logKernel)); // [R, D·M]
      const mean = tf.matMul(k, p.meanWeights); // [R, D]
      const DV = p.precisionBlocks.shape[0]!;
      const kv = DV < k.shape[1]! ? tf.slice(k, [0, 0], [-1, DV]) : k;
      const explained = tf.matMul(tf.square(tf.matMul(kv, p.precisionBlocks)), p.blockSum); // k Q Qᵀ kᵀ per output
      const variance = tf.sub(p.priorVariance, explained);
      // Straight-through clamp: the value becomes max(v, jitter), the gradient stays that of v.
      const clamped = tf.add(variance, stopGradient(tf.sub(tf.maximum(variance, this.options.varianceJitter), variance)));
      return { mean, std: tf.sqrt(clamped) };
    });
  }

  nll(data: TransitionData): number {
    return predictiveNll(this, data);
  }

  state(): ModelState {
    if (!this.data) throw new ConfigError('gp', 'unfitted', 'fit() before state()');
    return { kind: 'gp', options: this.options, hyperparameters: this.hyper.map((t) => Array.from(t)), data: transitionsToJSON(this.data) };
  }

  load(state: ModelState): void {
    if (state.kind !== 'gp') throw new ConfigError('model state', state.kind, "a 'gp' state");
    const data = transitionsFromJSON(state.data as TransitionJSON);
    this.setPosterior(
      data,
      (state.hyperparameters as number[][]).map((t) => Float64Array.from(t)),
    );
  }

  dispose(): void {
    this.disposePredictor();
  }

  private disposePredictor(): void {
    if (!this.predictor) return;
    const { pointCount: _count, variancePointCount: _variance, ...tensors } = this.predictor;
    tf.dispose(Object.values(tensors) as tf.Tensor[]);
    this.predictor = undefined;
  }
}

/** Per-transition NLL (summed over dims) of Δ under a model's diagonal Gaussian predictive, host float64. */
export function predictiveNll(model: DynamicsModel, data: TransitionData): number {
  if (data.count === 0) return NaN;
  const { targets } = inputsAndTargets(data);
  const D = data.stateDim;
  const { mean, variance } = tf.tidy(() => {
    const x = tf.tensor2d(Float32Array.from(data.states), [data.count, D]);
    const u = tf.tensor2d(Float32Array.from(data.actions), [data.count, data.actionDim]);
    const out = model.predict(x, u);
    return { mean: out.mean, variance: tf.square(out.std) };
  });
  const m = mean.dataSync();
  const v = variance.dataSync();
  tf.dispose([mean, variance]);
  let total = 0;
  for (let i = 0; i < data.count; i++) total -= diagGaussianLogPdf(targets, m, v, i * D, D);
  return total / data.count;
}
