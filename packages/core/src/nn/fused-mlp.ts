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
    // Per block we keep: its input h, its activation output a (or pre-activation for relu), and
    // for LayerNorm the normalised x̂ and 1/σ. A tensor kept twice (a block's output is the next
    // block's input) is saved once: the tape copies every saved tensor.
    const saved: tf.Tensor[] = [];
    const slot = (t: tf.Tensor): number => {
      const at = saved.indexOf(t);
      return at >= 0 ? at : saved.push(t) - 1;
    };
    const slots: SavedSlots = { blocks: [], head: -1 };
    let h = x as tf.Tensor2D;
    for (const b of blocks) {
      const input = slot(h);
      const z = tf.fused.matMul({ a: h, b: b.weight as tf.Tensor2D, bias: b.bias });
      const a = applyActivation(z, b.activation);
      const kept = slot(b.activation === 'relu' ? z : a);
      if (b.norm) {
        const mean = tf.mean(a, -1, true);
        const centred = tf.sub(a, mean);
        const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), b.norm.eps));
        const xhat = tf.mul(centred, rstd);
        slots.blocks.push({ input, kept, xhat: slot(xhat), rstd: slot(rstd) });
        h = tf.add(tf.mul(xhat, b.norm.gamma), b.norm.beta) as tf.Tensor2D;
      } else {
        slots.blocks.push({ input, kept });
        h = a as tf.Tensor2D;
      }
    }
    let out = h;
    if (head) {
      slots.head = slot(h);
      out = tf.fused.matMul({ a: h, b: head.weight as tf.Tensor2D, bias: head.bias }) as tf.Tensor2D;
    }
    save(saved);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => backward(dy as tf.Tensor2D, s, slots, blocks, head),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(...inputs) as tf.Tensor2D;
}

/** Where each block's saved tensors are in the saved list (indices; -1: none). */
interface SavedSlots {
  blocks: Array<{ input: number; kept: number; xhat?: number; rstd?: number }>;
  head: number;
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
 * order from 0, as the wasm Sum does (each addition rounded to float32 with Math.fround, so it is the
 * float32 addition); elu' · dy is fround(dy · min(fround(a + 1), 1)), as Add, Minimum and Multiply.
 */
const COLUMN_SUM = 'PathwiseColumnSum';
const ELU_GRAD = 'PathwiseEluBackward';
registerHostKernel(COLUMN_SUM, (inputs, storage) => {
  const x = inputs['x']!;
  const sums = columnSums(storage.view(x), x.shape[0]!, x.shape[1]!);
  // Allocated after the input is read: a wasm heap growth would detach its view.
  const info = storage.allocate([sums.length]);
  storage.view(info).set(sums);
  return info;
});

const F = Math.fround;

/**
 * The column sums of a row-major [rows, cols] float32 matrix, each added from 0 in row order with
 * float32 rounding after every addition. Eight columns a pass, their sums in locals: 3× faster than
 * adding each row into a Float32Array of sums (measured at 1024 × 64: 51 µs against 158).
 */
function columnSums(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(cols);
  const end = rows * cols;
  let c = 0;
  for (; c + 8 <= cols; c += 8) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let o = c; o < end; o += cols) {
      s0 = F(s0 + src[o]!);
      s1 = F(s1 + src[o + 1]!);
      s2 = F(s2 + src[o + 2]!);
      s3 = F(s3 + src[o + 3]!);
      s4 = F(s4 + src[o + 4]!);
      s5 = F(s5 + src[o + 5]!);
      s6 = F(s6 + src[o + 6]!);
      s7 = F(s7 + src[o + 7]!);
    }
    out.set([s0, s1, s2, s3, s4, s5, s6, s7], c);
  }
  for (; c < cols; c++) {
    let sum = 0;
    for (let o = c; o < end; o += cols) sum = F(sum + src[o]!);
    out[c] = sum;
  }
  return out;
}
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

/** Whether the backward's column sums and elu' take the faster forms below (wasm, host kernels on). */
function wasmBackwardKernels(): boolean {
  return tf.getBackend() === 'wasm' && hostKernelOn('mlp');
}

/** From this many elements on, wasm's SIMD ops beat the JS loop of elu' above, whose one dispatch wins below it (measured at 64 × 64: about even; at 1024 × 64 0.09 ms against 0.57). */
const WASM_HOST_ELEMENTWISE_MAX = 4096;

/** tf.sum(x, 0) of a float32 [rows, cols] tensor. */
function columnSum(x: tf.Tensor): tf.Tensor {
  if (x.rank !== 2 || x.dtype !== 'float32' || !wasmBackwardKernels()) return tf.sum(x, 0);
  return tf.engine().runKernel(COLUMN_SUM, { x }) as tf.Tensor;
}

/**
 * d activation (see activationGrad). On wasm elu' is the host kernel for small tensors; for large ones
 * dy · clip(a + 1, −∞, 1) · step(a, 1), five SIMD ops with the same bits for every a (tested, ±∞ and NaN
 * included): clip(a + 1, −∞, 1) is min(fround(a + 1), 1) for every a but NaN (XNNPACK's clamp maps NaN
 * to the bound), and wasm's Step gives NaN for NaN and 1 (1 or alpha = 1) for everything else, so the
 * last product restores the NaN and changes nothing else.
 */
function activationBackward(dy: tf.Tensor, kept: tf.Tensor, activation: FusedActivation): tf.Tensor {
  if (activation === 'elu' && dy.dtype === 'float32' && kept.dtype === 'float32' && dy.size === kept.size && wasmBackwardKernels()) {
    if (kept.size <= WASM_HOST_ELEMENTWISE_MAX) return tf.engine().runKernel(ELU_GRAD, { dy, a: kept }) as tf.Tensor;
    return tf.tidy(() => tf.mul(tf.mul(dy, tf.clipByValue(tf.add(kept, 1), -Infinity, 1)), tf.step(kept, 1)));
  }
  return activationGrad(dy, kept, activation);
}

function backward(dy: tf.Tensor2D, saved: tf.Tensor[], slots: SavedSlots, blocks: FusedBlock[], head?: { weight: tf.Tensor; bias: tf.Tensor }): tf.Tensor[] {
  let g: tf.Tensor2D = dy;
  const headGrads: tf.Tensor[] = [];
  if (head) {
    const hIn = saved[slots.head]! as tf.Tensor2D;
    const dh = matMulT(g, head.weight as tf.Tensor2D, false, true);
    headGrads.push(matMulT(hIn, g, true, false), columnSum(g));
    g = dh;
  }
  const perBlock: tf.Tensor[][] = [];
  for (let i = blocks.length - 1; i >= 0; i--) {
    const b = blocks[i]!;
    const at = slots.blocks[i]!;
    const out: tf.Tensor[] = [];
    let da: tf.Tensor = g;
    if (b.norm) {
      const rstd = saved[at.rstd!]!;
      const xhat = saved[at.xhat!]!;
      const dGamma = columnSum(tf.mul(g, xhat));
      const dBeta = columnSum(g);
      const gx = tf.mul(g, b.norm.gamma);
      // dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), the LayerNorm backward per row.
      da = tf.mul(tf.sub(tf.sub(gx, tf.mean(gx, -1, true)), tf.mul(xhat, tf.mean(tf.mul(gx, xhat), -1, true))), rstd);
      out.push(dGamma, dBeta);
    }
    const kept = saved[at.kept]!;
    const hIn = saved[at.input]! as tf.Tensor2D;
    const dz = activationBackward(da, kept, b.activation) as tf.Tensor2D;
    const dW = matMulT(hIn, dz, true, false);
    const db = columnSum(dz);
    g = matMulT(dz, b.weight as tf.Tensor2D, false, true);
    perBlock.unshift([dW, db, ...out]);
  }
  return [g, ...perBlock.flat(), ...headGrads];
}
