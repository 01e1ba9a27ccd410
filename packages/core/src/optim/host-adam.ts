// Adam's step (optim/adam.ts) as one tfjs kernel on the host backends (cpu, wasm): gradients,
// NaN-to-zero, the global norm and its clip, the moments and every parameter in one loop over the
// flat parameter vector, instead of ~35 op dispatches. Rounded as the op path's kernels round: every
// elementwise op to float32, and the squared norm's sum as the backend's Sum kernel accumulates it
// (float64 then one rounding on cpu, float32 in order on wasm), so the step is bit-identical to the
// op path on both (tested).
import { tf } from '../tf.js';
import { registerHostKernel } from '../kernels/host.js';

const F = Math.fround;

export interface HostAdamStep {
  b1: number;
  b2: number;
  eps: number;
  /** lr / (1 − β1^t). */
  stepSize: number;
  /** 1 − β2^t. */
  biasCorrection2: number;
  /** Clip the global norm to this; undefined: no clip. */
  maxGradNorm: number | undefined;
  nanToZero: boolean;
}

const kernelNames = new Map<number, string>();

function kernelFor(count: number): string {
  const known = kernelNames.get(count);
  if (known !== undefined) return known;
  const name = `PathwiseAdam_${count}`;
  registerHostKernel(name, (inputs, storage, attrs, backendName) => {
    const params = Array.from({ length: count }, (_, i) => inputs[`p${i}`]!);
    const m = inputs['m']!;
    const outs = params.map((p) => storage.allocate(p.shape));
    const mOut = storage.allocate(m.shape);
    const vOut = storage.allocate(m.shape);
    const normOut = storage.allocate([]);
    const size = m.shape[0]!;
    const g = new Float32Array(size);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const grad = storage.view(inputs[`g${i}`]!);
      g.set(grad, at);
      at += grad.length;
    }
    const nanToZero = attrs['nanToZero'] as boolean;
    // Σ g² as the backend's Sum kernel: float64 then rounded (cpu), float32 in order (wasm).
    let sumSquares = 0;
    const float32Sum = backendName === 'wasm';
    for (let j = 0; j < size; j++) {
      if (nanToZero && Number.isNaN(g[j]!)) g[j] = 0;
      const sq = F(g[j]! * g[j]!);
      sumSquares = float32Sum ? F(sumSquares + sq) : sumSquares + sq;
    }
    const norm = F(Math.sqrt(F(sumSquares)));
    const maxGradNorm = attrs['maxGradNorm'] as number;
    const coef = maxGradNorm > 0 ? Math.min(F(F(maxGradNorm) / F(norm + F(1e-6))), 1) : 1;
    const b1 = F(attrs['b1'] as number);
    const b2 = F(attrs['b2'] as number);
    const oneMinusB1 = F(1 - (attrs['b1'] as number));
    const oneMinusB2 = F(1 - (attrs['b2'] as number));
    const sqrtBc2 = F(Math.sqrt(attrs['biasCorrection2'] as number));
    const eps = F(attrs['eps'] as number);
    const stepSize = F(attrs['stepSize'] as number);
    const mIn = storage.view(m);
    const vIn = storage.view(inputs['v']!);
    const mNew = storage.view(mOut);
    const vNew = storage.view(vOut);
    at = 0;
    for (let i = 0; i < count; i++) {
      const p = storage.view(params[i]!);
      const out = storage.view(outs[i]!);
      for (let k = 0; k < p.length; k++, at++) {
        const gj = maxGradNorm > 0 ? F(g[at]! * coef) : g[at]!;
        const mj = F(F(mIn[at]! * b1) + F(gj * oneMinusB1));
        const vj = F(F(vIn[at]! * b2) + F(F(gj * gj) * oneMinusB2));
        mNew[at] = mj;
        vNew[at] = vj;
        const denom = F(F(F(Math.sqrt(vj)) / sqrtBc2) + eps);
        out[k] = F(p[k]! - F(F(mj / denom) * stepSize));
      }
    }
    storage.view(normOut)[0] = norm;
    return [...outs, mOut, vOut, normOut];
  });
  kernelNames.set(count, name);
  return name;
}

/** One Adam step as one kernel: the new parameters, moments and the gradients' global norm before clipping. */
export function hostAdamStep(params: tf.Tensor[], grads: tf.Tensor[], m: tf.Tensor1D, v: tf.Tensor1D, step: HostAdamStep): { params: tf.Tensor[]; m: tf.Tensor1D; v: tf.Tensor1D; norm: tf.Scalar } {
  const inputs: tf.NamedTensorMap = { m, v };
  params.forEach((p, i) => {
    inputs[`p${i}`] = p;
    inputs[`g${i}`] = grads[i]!;
  });
  const attrs = { ...step, maxGradNorm: step.maxGradNorm ?? -1 };
  const outputs = tf.engine().runKernel(kernelFor(params.length), inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const n = params.length;
  return { params: outputs.slice(0, n), m: outputs[n] as tf.Tensor1D, v: outputs[n + 1] as tf.Tensor1D, norm: outputs[n + 2] as tf.Scalar };
}
