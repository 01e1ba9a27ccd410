// The critic's and the α-regression's losses as one host kernel forward and one backward each
// (core's registerHostKernel), for the trainer's inner loops (64 critic steps, 16-128 α steps per
// epoch), where the ~20 tfjs dispatches of each loss and its gradient cost more than the arithmetic.
// Rounded as tfjs-backend-cpu rounds the op path (every op to float32; a sum in float64 rounded
// once; tf.mean divides each element first; the gradients as tfjs's gradient functions compose), so
// bit-identical to it on cpu (tested); wasm's kernels round exp and sums their own way.
import { hostKernelOn, registerHostKernel, tf, type HostStorage, type TensorInfoLike } from '@pathwise/core';

const F = Math.fround;

const CRITIC_LOSS = 'PathwiseCriticLoss';
const ALPHA_LOSS = 'PathwiseAlphaLoss';

let registered = false;

/** Registers both losses (forward, backward, gradient) once. */
function register(): void {
  if (registered) return;
  registered = true;
  // mean_i ((p_i·scale + mean) − y_i)²; saves 2·d_i for the backward.
  registerHostKernel(CRITIC_LOSS, (inputs, storage, attrs) => {
    const p = storage.view(inputs['prediction']!);
    const y = storage.view(inputs['y']!);
    const n = y.length;
    const scale = F(attrs['scale'] as number);
    const mean = F(attrs['mean'] as number);
    const twice = new Float32Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const d = F(F(F(p[i]! * scale) + mean) - y[i]!);
      twice[i] = F(d * 2);
      sum += F(F(d * d) / n);
    }
    return outputs(storage, [
      [[], new Float32Array([F(sum)])],
      [[n], twice],
    ]);
  });
  registerHostKernel(`${CRITIC_LOSS}_Grad`, (inputs, storage, attrs) => {
    const dy = storage.view(inputs['dy']!)[0]!;
    const twice = storage.view(inputs['twice']!);
    const n = twice.length;
    const scale = F(attrs['scale'] as number);
    const g = F(dy / n);
    const dp = new Float32Array(n);
    for (let i = 0; i < n; i++) dp[i] = F(F(g * twice[i]!) * scale);
    return outputs(storage, [[[n, 1], dp]])[0]!;
  });
  tf.registerGradient({
    kernelName: CRITIC_LOSS,
    outputsToSave: [false, true],
    gradFunc: (dy, saved, attrs) => {
      const dLoss = Array.isArray(dy) ? dy[0]! : dy;
      const grad = tf.engine().runKernel(`${CRITIC_LOSS}_Grad`, { dy: dLoss, twice: saved[0]! }, attrs as tf.NamedAttrMap) as tf.Tensor;
      return { prediction: () => grad, y: () => tf.zerosLike(saved[0]!) };
    },
  });

  // mean_i Σ_d (μ + exp(log σ)·ε − ũ)²; saves 2·d, exp(log σ) and ε for the backward.
  registerHostKernel(ALPHA_LOSS, (inputs, storage) => {
    const mean = storage.view(inputs['mean']!);
    const logStd = storage.view(inputs['logStd']!);
    const noise = storage.view(inputs['noise']!);
    const targets = storage.view(inputs['targets']!);
    const [rows, dim] = inputs['mean']!.shape as [number, number];
    const size = rows * dim;
    const saved = new Float32Array(3 * size);
    let total = 0;
    for (let i = 0; i < rows; i++) {
      let row = 0;
      for (let j = i * dim; j < (i + 1) * dim; j++) {
        const e = F(Math.exp(logStd[j]!));
        const d = F(F(mean[j]! + F(e * noise[j]!)) - targets[j]!);
        saved[j] = F(d * 2);
        saved[size + j] = e;
        saved[2 * size + j] = noise[j]!;
        row += F(d * d);
      }
      total += F(F(row) / rows);
    }
    return outputs(storage, [
      [[], new Float32Array([F(total)])],
      [[3, rows, dim], saved],
    ]);
  });
  registerHostKernel(`${ALPHA_LOSS}_Grad`, (inputs, storage) => {
    const dy = storage.view(inputs['dy']!)[0]!;
    const savedInfo = inputs['saved']!;
    const [, rows, dim] = savedInfo.shape as [number, number, number];
    const saved = storage.view(savedInfo).slice();
    const size = rows * dim;
    const g = F(dy / rows);
    const dMean = new Float32Array(size);
    const dLogStd = new Float32Array(size);
    for (let j = 0; j < size; j++) {
      const dr = F(g * saved[j]!);
      dMean[j] = dr;
      dLogStd[j] = F(F(dr * saved[2 * size + j]!) * saved[size + j]!);
    }
    return outputs(storage, [
      [[rows, dim], dMean],
      [[rows, dim], dLogStd],
    ]);
  });
  tf.registerGradient({
    kernelName: ALPHA_LOSS,
    outputsToSave: [false, true],
    gradFunc: (dy, saved) => {
      const dLoss = Array.isArray(dy) ? dy[0]! : dy;
      const [dMean, dLogStd] = tf.engine().runKernel(`${ALPHA_LOSS}_Grad`, { dy: dLoss, saved: saved[0]! }) as tf.Tensor[];
      return { mean: () => dMean!, logStd: () => dLogStd!, noise: () => tf.zerosLike(dMean!), targets: () => tf.zerosLike(dMean!) };
    },
  });
}

/** Allocates every output first (a wasm heap growth detaches earlier views), then writes them. */
function outputs(storage: HostStorage, specs: Array<[number[], Float32Array]>): TensorInfoLike[] {
  const infos = specs.map(([shape]) => storage.allocate(shape));
  infos.forEach((info, k) => storage.view(info).set(specs[k]![1]));
  return infos;
}

/** The critic loss mean((prediction·scale + mean − y)²) as one kernel; `prediction` [N, 1], `y` [N]. */
export function criticLossKernel(prediction: tf.Tensor, y: tf.Tensor, scale: number, mean: number): tf.Scalar {
  register();
  const [loss, saved] = tf.engine().runKernel(CRITIC_LOSS, { prediction, y }, { scale, mean } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  saved!.dispose();
  return loss as tf.Scalar;
}

/** The α-regression loss mean_i Σ_d (μ + exp(log σ)·ε − ũ)² as one kernel. */
export function alphaLossKernel(mean: tf.Tensor, logStd: tf.Tensor, noise: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  register();
  const [loss, saved] = tf.engine().runKernel(ALPHA_LOSS, { mean, logStd, noise, targets }) as tf.Tensor[];
  saved!.dispose();
  return loss as tf.Scalar;
}

/**
 * Whether the losses run as host kernels: with the networks' (`mlpKernel`) choice — on cpu unless
 * `ops`, on wasm only with `fused`.
 */
export function hostLosses(mlpKernel: 'auto' | 'fused' | 'ops' | undefined): boolean {
  const kernel = mlpKernel ?? 'auto';
  if (kernel === 'ops' || !hostKernelOn('mlp')) return false;
  return tf.getBackend() === 'cpu' || kernel === 'fused';
}
