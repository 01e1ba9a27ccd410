import { tf } from '../tf.js';
import { matMulT } from '../matmul.js';
import { hostKernelOn, registerHostKernel } from '../kernels/host.js';
import { hostMlp, type FusedActivation } from './host-mlp.js';

/** One hidden block of an MLP: Linear → activation → optional LayerNorm. */
export interface FusedBlock {
  weight: tf.Tensor;
  bias: tf.Tensor;
  activation: FusedActivation;
  norm?: { gamma: tf.Tensor; beta: tf.Tensor; eps: number };
}

export type { FusedActivation };

export const FUSABLE_ACTIVATIONS: readonly string[] = ['elu', 'relu', 'tanh', 'identity'];

/**
 * True where the fused path is exact: first-order gradients only. Under a gradient of a gradient
 * (tfjs gradientDepth > 1) the hand-written backward would hide second-order terms, so callers
 * fall back to the op-by-op path there.
 */
export function canFuse(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth <= 1;
}

/**
 * Which implementation of the fused MLP runs: `fused`, one host kernel forward and one backward on
 * cpu and wasm (nn/host-mlp.ts; on wasm only up to a size where it beats the op path); `ops`, the
 * custom gradient over tfjs ops below; `auto` (default), the host kernel where it is bit-identical
 * to the op path (cpu), so a seeded run reproduces the op path's numbers, and the op path elsewhere
 * (wasm's own kernels round elu, exp and row sums differently from the host kernel's JS).
 */
export type MlpKernel = 'auto' | 'fused' | 'ops';

/**
 * On wasm the host kernel does its elementwise work in JS and only the products in XNNPACK: it is
 * faster than the op path while dispatch dominates, slower beyond about rows × Σ widths = 16k
 * (measured: 64 × (32 + 32 + 128) 0.7× the op path's time, 256 × (64 + 64 + 2) 1.2×, 2048 × (64 + 64 + 2) 1.8×).
 */
const WASM_HOST_MLP_MAX_WORK = 16384;

/** Whether `hostMlpPieces` runs for this input and kernel choice on the active backend. */
export function hostMlpApplies(x: tf.Tensor, blocks: FusedBlock[], head: { weight: tf.Tensor } | undefined, kernel: MlpKernel): boolean {
  if (kernel === 'ops' || !hostKernelOn('mlp') || blocks.length === 0 || x.dtype !== 'float32') return false;
  const backend = tf.getBackend();
  if (backend === 'wasm') {
    const work = x.shape[0]! * (blocks.reduce((sum, b) => sum + b.weight.shape[1]!, 0) + (head ? head.weight.shape[1]! : 0));
    if (kernel === 'auto' || work > WASM_HOST_MLP_MAX_WORK) return false;
  }
  return blocks.every((b) => b.activation === blocks[0]!.activation && !!b.norm === !!blocks[0]!.norm && b.norm?.eps === blocks[0]!.norm?.eps);
}

/** The fused MLP as one host kernel, its output split into `pieces` equal column blocks (an actor's μ and log σ) without a split op. */
export function hostMlpPieces(x: tf.Tensor2D, blocks: FusedBlock[], head: { weight: tf.Tensor; bias: tf.Tensor } | undefined, pieces: number): tf.Tensor2D[] {
  const params = blocks.flatMap((b) => [b.weight, b.bias, ...(b.norm ? [b.norm.gamma, b.norm.beta] : [])]);
  if (head) params.push(head.weight, head.bias);
  const layout = {
    inputDim: x.shape[1]!,
    widths: blocks.map((b) => b.weight.shape[1]!),
    layerNorm: !!blocks[0]!.norm,
    eps: blocks[0]!.norm?.eps ?? 0,
    activation: blocks[0]!.activation,
    headDim: head ? head.weight.shape[1]! : 0,
    pieces,
  };
  return hostMlp(layout, x, params);
}

/**
 * The whole MLP as one custom-gradient op with a hand-written backward pass.
 *
 * Why: tfjs spends ~10-25 µs dispatching each kernel and, while recording a tape, clones every
 * tensor a gradient needs. A 2-hidden-layer LayerNorm MLP costs ~200 kernels per forward+backward
 * op by op, ~70 fused. The maths is the same (tested against the op-by-op path and finite
 * differences); only the bookkeeping is skipped.
 *
 * `head` is the optional output Linear (no activation). Returns [B, out].
 */
export function fusedMlp(x: tf.Tensor2D, blocks: FusedBlock[], head?: { weight: tf.Tensor; bias: tf.Tensor }): tf.Tensor2D {
  const inputs: tf.Tensor[] = [x];
  for (const b of blocks) {
    inputs.push(b.weight, b.bias);
    if (b.norm) inputs.push(b.norm.gamma, b.norm.beta);
  }
  if (head) inputs.push(head.weight, head.bias);

  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as (tensors: tf.Tensor[]) => void;
    const saved: tf.Tensor[] = [];
    let h = x as tf.Tensor2D;
    // Per block we keep: its input h, its activation output a (or pre-activation for relu), and
    // for LayerNorm the normalised x̂ and 1/σ.
    for (const b of blocks) {
      saved.push(h);
      const z = tf.fused.matMul({ a: h, b: b.weight as tf.Tensor2D, bias: b.bias });
      const a = applyActivation(z, b.activation);
      saved.push(b.activation === 'relu' ? z : a);
      if (b.norm) {
        const mean = tf.mean(a, -1, true);
        const centred = tf.sub(a, mean);
        const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), b.norm.eps));
        const xhat = tf.mul(centred, rstd);
        saved.push(xhat, rstd);
        h = tf.add(tf.mul(xhat, b.norm.gamma), b.norm.beta) as tf.Tensor2D;
      } else {
        h = a as tf.Tensor2D;
      }
    }
    let out = h;
    if (head) {
      saved.push(h);
      out = tf.fused.matMul({ a: h, b: head.weight as tf.Tensor2D, bias: head.bias }) as tf.Tensor2D;
    }
    save(saved);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => backward(dy as tf.Tensor2D, s, blocks, head),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(...inputs) as tf.Tensor2D;
}

function applyActivation(z: tf.Tensor, activation: FusedActivation): tf.Tensor {
  switch (activation) {
    case 'elu':
      return tf.elu(z);
    case 'relu':
      return tf.relu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'identity':
      return z;
  }
}

/** d activation: elu' = min(a + 1, 1) (a = elu(z)); tanh' = 1 − a²; relu' = [z > 0]. */
function activationGrad(dy: tf.Tensor, kept: tf.Tensor, activation: FusedActivation): tf.Tensor {
  switch (activation) {
    case 'elu':
      return tf.mul(dy, tf.minimum(tf.add(kept, 1), 1));
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(kept)));
    case 'relu':
      return tf.mul(dy, tf.step(kept));
    case 'identity':
      return dy;
  }
}

/**
 * Two pieces of the op path's backward as host kernels on wasm, bit-identical to the ops they
 * replace (tested) and faster there: tfjs-backend-wasm's Sum over axis 0 transposes its input first
 * (a [8192, 128] column sum is a transpose and a row sum), and its Minimum against a broadcast scalar
 * takes a slow generic-broadcast path. Both are plain float32 loops: a column sum adds the rows in
 * order from 0, as the wasm Sum does (each += on a Float32Array rounds to float32, so it is the
 * float32 addition); elu' · dy is fround(dy · min(fround(a + 1), 1)), as Add, Minimum and Multiply.
 */
const COLUMN_SUM = 'PathwiseColumnSum';
const ELU_GRAD = 'PathwiseEluBackward';
registerHostKernel(COLUMN_SUM, (inputs, storage) => {
  const x = inputs['x']!;
  const [rows, cols] = [x.shape[0]!, x.shape[1]!];
  const info = storage.allocate([cols]);
  const acc = storage.view(info);
  const src = storage.view(x);
  acc.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) acc[c] = acc[c]! + src[o + c]!;
  }
  return info;
});
registerHostKernel(ELU_GRAD, (inputs, storage) => {
  const a = inputs['a']!;
  const info = storage.allocate(a.shape);
  const out = storage.view(info);
  const dy = storage.view(inputs['dy']!);
  const kept = storage.view(a);
  // min(a + 1, 1) is 1 where a > 0 (a + 1 rounds to ≥ 1 there) and a + 1 elsewhere (NaN stays NaN).
  for (let i = 0; i < out.length; i++) {
    const k = kept[i]!;
    out[i] = k > 0 ? dy[i]! : dy[i]! * Math.fround(k + 1);
  }
  return info;
});

/** Whether the backward's column sums and elu' run as the host kernels above (wasm, float32, host kernels on). */
function wasmBackwardKernels(): boolean {
  return tf.getBackend() === 'wasm' && hostKernelOn('mlp');
}

/** tf.sum(x, 0) of a float32 [rows, cols] tensor. */
function columnSum(x: tf.Tensor): tf.Tensor {
  if (x.rank !== 2 || x.dtype !== 'float32' || !wasmBackwardKernels()) return tf.sum(x, 0);
  return tf.engine().runKernel(COLUMN_SUM, { x }) as tf.Tensor;
}

/** d activation (see activationGrad), elu' as one host kernel on wasm. */
function activationBackward(dy: tf.Tensor, kept: tf.Tensor, activation: FusedActivation): tf.Tensor {
  if (activation === 'elu' && dy.dtype === 'float32' && kept.dtype === 'float32' && dy.size === kept.size && wasmBackwardKernels()) {
    return tf.engine().runKernel(ELU_GRAD, { dy, a: kept }) as tf.Tensor;
  }
  return activationGrad(dy, kept, activation);
}

function backward(dy: tf.Tensor2D, saved: tf.Tensor[], blocks: FusedBlock[], head?: { weight: tf.Tensor; bias: tf.Tensor }): tf.Tensor[] {
  const grads: tf.Tensor[] = [];
  let cursor = saved.length;
  let g: tf.Tensor2D = dy;
  if (head) {
    const hIn = saved[--cursor]! as tf.Tensor2D;
    grads.push(matMulT(g, head.weight as tf.Tensor2D, false, true), matMulT(hIn, g, true, false), columnSum(g));
    // [dh, dW, db]: dh continues; dW, db are the head's.
    g = grads[0] as tf.Tensor2D;
  }
  const headGrads = head ? [grads[1]!, grads[2]!] : [];
  const perBlock: tf.Tensor[][] = [];
  for (let i = blocks.length - 1; i >= 0; i--) {
    const b = blocks[i]!;
    const out: tf.Tensor[] = [];
    let da: tf.Tensor = g;
    if (b.norm) {
      const rstd = saved[--cursor]!;
      const xhat = saved[--cursor]!;
      const dGamma = columnSum(tf.mul(g, xhat));
      const dBeta = columnSum(g);
      const gx = tf.mul(g, b.norm.gamma);
      // dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), the LayerNorm backward per row.
      da = tf.mul(tf.sub(tf.sub(gx, tf.mean(gx, -1, true)), tf.mul(xhat, tf.mean(tf.mul(gx, xhat), -1, true))), rstd);
      out.push(dGamma, dBeta);
    }
    const kept = saved[--cursor]!;
    const hIn = saved[--cursor]! as tf.Tensor2D;
    const dz = activationBackward(da, kept, b.activation) as tf.Tensor2D;
    const dW = matMulT(hIn, dz, true, false);
    const db = columnSum(dz);
    g = matMulT(dz, b.weight as tf.Tensor2D, false, true);
    perBlock.unshift([dW, db, ...out]);
  }
  return [g, ...perBlock.flat(), ...headGrads];
}
