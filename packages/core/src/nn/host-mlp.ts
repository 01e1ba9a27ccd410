// The MLP of fused-mlp.ts as one tfjs kernel forward and one backward on the host backends (cpu,
// wasm): plain loops over the tensors' typed arrays, so a forward+backward costs two dispatches
// whatever the depth. Every step is rounded like the cpu kernels of the op path (tfjs-backend-cpu
// 4.22): each elementwise op rounds to float32 (Math.fround), reductions accumulate in float64 and
// round once, matMul accumulates each 48-long block of the inner dimension in float64 and adds it to
// the float32 result, tf.mean divides each element by the count before summing. So on cpu the kernel
// is bit-identical to the op-by-op fused path (tested); on wasm, whose kernels accumulate in float32
// in their own order, it differs in the last bits (tested within 1e-5).
import { tf } from '../tf.js';
import { hostMatMul, registerHostKernel, tapeIsOn, type HostMatMul, type HostStorage, type TensorInfoLike } from '../kernels/host.js';

const F = Math.fround;

/** The hidden activations the fused MLP implements. */
export type FusedActivation = 'elu' | 'relu' | 'tanh' | 'identity';

/** The layout of one MLP: hidden blocks (Linear → activation → optional LayerNorm), optional head. */
export interface HostMlpLayout {
  inputDim: number;
  widths: number[];
  layerNorm: boolean;
  eps: number;
  activation: FusedActivation;
  /** The head's width (a Linear without activation), or 0 for none. */
  headDim: number;
  /** The output comes as this many equal column blocks (e.g. an actor's μ and log σ); default 1. */
  pieces?: number;
}

/** A row-major [rows, cols] matrix transposed (contiguous inner loops for `dot`). */
function transposed(x: Float32Array, offset: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[offset + i * cols + j]!;
  return out;
}

/** out[i, j] = fround((h·W)[i, j] + b[j]) for W [n, m] at `wo`, b at `bo` in `params` (tf.fused.matMul with a bias). */
function linear(matMul: HostMatMul, h: Float32Array, rows: number, n: number, params: Float32Array, wo: number, bo: number, m: number, out: Float32Array): void {
  const product = matMul(h, rows, n, params.subarray(wo, wo + n * m), m);
  for (let i = 0; i < rows; i++) for (let j = 0; j < m; j++) out[i * m + j] = F(product[i * m + j]! + params[bo + j]!);
}

function activate(z: number, activation: FusedActivation): number {
  switch (activation) {
    case 'elu':
      return z >= 0 ? z : F(Math.exp(z) - 1);
    case 'relu':
      return z < 0 ? 0 : z;
    case 'tanh':
      return F(Math.tanh(z));
    case 'identity':
      return z;
  }
}

/** d activation from its output a: elu' = min(a + 1, 1); tanh' = 1 − a²; relu' = [a > 0]. */
function activationGrad(da: number, a: number, activation: FusedActivation): number {
  switch (activation) {
    case 'elu':
      return F(da * Math.min(F(a + 1), 1));
    case 'tanh':
      return F(da * F(1 - F(a * a)));
    case 'relu':
      return a > 0 ? da : 0;
    case 'identity':
      return da;
  }
}

/** Offsets of each parameter in the flat parameter block (input order: W, b, [γ, β] per block, then the head's W, b). */
export function parameterOffsets(layout: HostMlpLayout): { blocks: Array<{ w: number; b: number; g: number; be: number }>; head: { w: number; b: number }; size: number } {
  let at = 0;
  let width = layout.inputDim;
  const blocks = layout.widths.map((h) => {
    const block = { w: at, b: at + width * h, g: -1, be: -1 };
    at += width * h + h;
    if (layout.layerNorm) {
      block.g = at;
      block.be = at + h;
      at += 2 * h;
    }
    width = h;
    return block;
  });
  const head = { w: at, b: at + width * layout.headDim };
  if (layout.headDim > 0) at += width * layout.headDim + layout.headDim;
  return { blocks, head, size: at };
}

/**
 * Forward pass. The workspace keeps what the backward needs: the input, a copy of the parameters
 * (a variable may be reassigned before the backward runs), and per block the activation output,
 * x̂ and 1/σ.
 */
function forward(matMul: HostMatMul, layout: HostMlpLayout, x: Float32Array, params: Float32Array, rows: number, out: Float32Array, workspace: Float32Array | undefined): void {
  const offsets = parameterOffsets(layout);
  const ws = workspace ?? new Float32Array(workspaceSize(layout, rows));
  ws.set(x, 0);
  ws.set(params, x.length);
  let at = x.length + params.length;
  let h = x;
  let width = layout.inputDim;
  layout.widths.forEach((m, k) => {
    const o = offsets.blocks[k]!;
    const a = ws.subarray(at, at + rows * m);
    at += rows * m;
    linear(matMul, h, rows, width, params, o.w, o.b, m, a);
    for (let j = 0; j < a.length; j++) a[j] = activate(a[j]!, layout.activation);
    if (layout.layerNorm) {
      const xhat = ws.subarray(at, at + rows * m);
      const rstd = ws.subarray(at + rows * m, at + rows * m + rows);
      at += rows * m + rows;
      const next = new Float32Array(rows * m);
      layerNormRows(a, rows, m, layout.eps, params, o.g, o.be, xhat, rstd, next);
      h = next;
    } else {
      h = a;
    }
    width = m;
  });
  if (layout.headDim > 0) linear(matMul, h, rows, width, params, offsets.head.w, offsets.head.b, layout.headDim, out);
  else out.set(h);
}

/** LayerNorm per row, rounded as the op path: mean = Σ (a/m), var = Σ (c²/m), 1/σ = 1/√(var + ε). */
function layerNormRows(a: Float32Array, rows: number, m: number, eps: number, params: Float32Array, g: number, be: number, xhat: Float32Array, rstd: Float32Array, next: Float32Array): void {
  const epsF = F(eps);
  const centred = new Float32Array(m);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < m; j++) sum += F(a[i * m + j]! / m);
    const mean = F(sum);
    let sq = 0;
    for (let j = 0; j < m; j++) {
      const c = F(a[i * m + j]! - mean);
      centred[j] = c;
      sq += F(F(c * c) / m);
    }
    const r = F(1 / Math.sqrt(F(F(sq) + epsF)));
    rstd[i] = r;
    for (let j = 0; j < m; j++) {
      const xh = F(centred[j]! * r);
      xhat[i * m + j] = xh;
      next[i * m + j] = F(F(xh * params[g + j]!) + params[be + j]!);
    }
  }
}

export function workspaceSize(layout: HostMlpLayout, rows: number): number {
  const perBlock = layout.widths.reduce((s, m) => s + rows * m + (layout.layerNorm ? rows * m + rows : 0), 0);
  return rows * layout.inputDim + parameterOffsets(layout).size + perBlock;
}

/** Backward pass from the workspace: dx, then the parameter gradients in input order (flat). */
function backward(matMul: HostMatMul, layout: HostMlpLayout, rows: number, dy: Float32Array, ws: Float32Array, dx: Float32Array, dParams: Float32Array): void {
  const offsets = parameterOffsets(layout);
  const inputSize = rows * layout.inputDim;
  const x = ws.subarray(0, inputSize);
  const params = ws.subarray(inputSize, inputSize + offsets.size);
  // Per block: its activation output, x̂, 1/σ, and its input (x, or the previous block's output).
  const saved: Array<{ a: Float32Array; xhat?: Float32Array; rstd?: Float32Array; input: Float32Array }> = [];
  let at = inputSize + offsets.size;
  let input = x;
  layout.widths.forEach((m, k) => {
    const a = ws.subarray(at, at + rows * m);
    at += rows * m;
    const block: (typeof saved)[number] = { a, input };
    if (layout.layerNorm) {
      block.xhat = ws.subarray(at, at + rows * m);
      block.rstd = ws.subarray(at + rows * m, at + rows * m + rows);
      at += rows * m + rows;
      const o = offsets.blocks[k]!;
      const next = new Float32Array(rows * m);
      for (let i = 0; i < rows; i++) for (let j = 0; j < m; j++) next[i * m + j] = F(F(block.xhat[i * m + j]! * params[o.g + j]!) + params[o.be + j]!);
      input = next;
    } else {
      input = a;
    }
    saved.push(block);
  });
  let g = dy;
  let width = layout.widths.length > 0 ? layout.widths[layout.widths.length - 1]! : layout.inputDim;
  if (layout.headDim > 0) g = linearBackward(matMul, g, rows, width, layout.headDim, input, params, offsets.head.w, offsets.head.b, dParams);
  for (let k = layout.widths.length - 1; k >= 0; k--) {
    const m = layout.widths[k]!;
    const n = k === 0 ? layout.inputDim : layout.widths[k - 1]!;
    const o = offsets.blocks[k]!;
    const block = saved[k]!;
    const da = layout.layerNorm ? layerNormBackward(g, rows, m, block.xhat!, block.rstd!, params, o.g, o.be, dParams) : g;
    const dz = new Float32Array(rows * m);
    for (let j = 0; j < dz.length; j++) dz[j] = activationGrad(da[j]!, block.a[j]!, layout.activation);
    g = linearBackward(matMul, dz, rows, n, m, block.input, params, o.w, o.b, dParams);
    width = n;
  }
  dx.set(g);
}

/** dW = hᵀ·g, db = Σ_rows g (into dParams), returns dh = g·Wᵀ. */
function linearBackward(matMul: HostMatMul, g: Float32Array, rows: number, n: number, m: number, h: Float32Array, params: Float32Array, wo: number, bo: number, dParams: Float32Array): Float32Array {
  dParams.set(matMul(transposed(h, 0, rows, n), n, rows, g, m), wo);
  for (let j = 0; j < m; j++) {
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += g[i * m + j]!;
    dParams[bo + j] = F(sum);
  }
  return matMul(g, rows, m, transposed(params, wo, n, m), n);
}

/** dγ = Σ_rows g·x̂, dβ = Σ_rows g; returns da = (1/σ)·((ĝ − mean ĝ) − x̂·mean(ĝ·x̂)), ĝ = g·γ. */
function layerNormBackward(g: Float32Array, rows: number, m: number, xhat: Float32Array, rstd: Float32Array, params: Float32Array, go: number, beo: number, dParams: Float32Array): Float32Array {
  for (let j = 0; j < m; j++) {
    let sumGx = 0;
    let sumG = 0;
    for (let i = 0; i < rows; i++) {
      sumGx += F(g[i * m + j]! * xhat[i * m + j]!);
      sumG += g[i * m + j]!;
    }
    dParams[go + j] = F(sumGx);
    dParams[beo + j] = F(sumG);
  }
  const da = new Float32Array(rows * m);
  const gx = new Float32Array(m);
  for (let i = 0; i < rows; i++) {
    let s1 = 0;
    let s2 = 0;
    for (let j = 0; j < m; j++) {
      const v = F(g[i * m + j]! * params[go + j]!);
      gx[j] = v;
      s1 += F(v / m);
      s2 += F(F(v * xhat[i * m + j]!) / m);
    }
    const mean1 = F(s1);
    const mean2 = F(s2);
    for (let j = 0; j < m; j++) da[i * m + j] = F(F(F(gx[j]! - mean1) - F(xhat[i * m + j]! * mean2)) * rstd[i]!);
  }
  return da;
}

const kernels = new Map<string, string>();

function layoutKey(layout: HostMlpLayout): string {
  return `${layout.inputDim}_${layout.widths.join('x')}_${layout.layerNorm ? `ln${layout.eps}` : 'noln'}_${layout.activation}_${layout.headDim}_${layout.pieces ?? 1}`;
}

/** The input names of a layout's kernel, in parameter order after `x`. */
function parameterNames(layout: HostMlpLayout): string[] {
  const names: string[] = [];
  layout.widths.forEach((_, k) => names.push(`w${k}`, `b${k}`, ...(layout.layerNorm ? [`g${k}`, `be${k}`] : [])));
  if (layout.headDim > 0) names.push('wh', 'bh');
  return names;
}

/** Registers (once per layout) the forward and backward kernels and the gradient; returns the forward kernel's name. */
function kernelFor(layout: HostMlpLayout): string {
  const key = layoutKey(layout);
  const known = kernels.get(key);
  if (known !== undefined) return known;
  const name = `PathwiseMlp_${key}`;
  const gradName = `${name}_Grad`;
  const names = parameterNames(layout);
  const outDim = layout.headDim > 0 ? layout.headDim : layout.widths[layout.widths.length - 1]!;
  const size = parameterOffsets(layout).size;
  const gather = (inputs: Record<string, TensorInfoLike>, storage: HostStorage) => {
    const params = new Float32Array(size);
    let at = 0;
    for (const n of names) {
      const v = storage.view(inputs[n]!);
      params.set(v, at);
      at += v.length;
    }
    return params;
  };
  const pieces = layout.pieces ?? 1;
  const width = outDim / pieces;
  // On wasm the matrix products allocate on the heap, whose growth detaches views: inputs are copied
  // out first, outputs allocated and written last.
  registerHostKernel(name, (inputs, storage, attrs, backendName, backend) => {
    const x = inputs['x']!;
    const rows = x.shape[0]!;
    const save = attrs['save'] === true;
    const params = gather(inputs, storage);
    const out = new Float32Array(rows * outDim);
    const workspace = save ? new Float32Array(workspaceSize(layout, rows)) : undefined;
    forward(hostMatMul(backendName, backend, storage), layout, storage.view(x).slice(), params, rows, out, workspace);
    const outs = Array.from({ length: pieces }, () => storage.allocate([rows, width]));
    const ws = storage.allocate([workspace?.length ?? 1]);
    outs.forEach((piece, p) => copyColumns(out, outDim, p * width, storage.view(piece), width, rows, false));
    if (workspace) storage.view(ws).set(workspace);
    return [...outs, ws];
  });
  registerHostKernel(gradName, (inputs, storage, _attrs, backendName, backend) => {
    const rows = inputs['dy0']!.shape[0]!;
    const dy = new Float32Array(rows * outDim);
    for (let p = 0; p < pieces; p++) copyColumns(dy, outDim, p * width, storage.view(inputs[`dy${p}`]!), width, rows, true);
    const dParams = new Float32Array(size);
    const dx = new Float32Array(rows * layout.inputDim);
    backward(hostMatMul(backendName, backend, storage), layout, rows, dy, storage.view(inputs['workspace']!).slice(), dx, dParams);
    const dxInfo = storage.allocate([rows, layout.inputDim]);
    const grads = shapesOf(layout).map((shape) => storage.allocate(shape));
    storage.view(dxInfo).set(dx);
    let at = 0;
    for (const grad of grads) {
      const view = storage.view(grad);
      view.set(dParams.subarray(at, at + view.length));
      at += view.length;
    }
    return [dxInfo, ...grads];
  });
  tf.registerGradient({
    kernelName: name,
    outputsToSave: [...new Array<boolean>(pieces).fill(false), true],
    gradFunc: (dy, saved) => {
      // tfjs passes one dy (not an array) when only one output is on the gradient path.
      const dys = Array.isArray(dy) ? dy : [dy];
      const inputs: tf.NamedTensorMap = { workspace: saved[0]! };
      for (let p = 0; p < pieces; p++) inputs[`dy${p}`] = dys[p]!;
      // One backward dispatch for every input, run now (not in the per-input thunks).
      const grads = tf.engine().runKernel(gradName, inputs) as tf.Tensor[];
      const map: Record<string, () => tf.Tensor> = { x: () => grads[0]! };
      names.forEach((n, i) => (map[n] = () => grads[i + 1]!));
      return map;
    },
  });
  kernels.set(key, name);
  return name;
}

/** Copies columns [offset, offset + width) of a [rows, cols] matrix to a [rows, width] one, or back. */
function copyColumns(full: Float32Array, cols: number, offset: number, piece: Float32Array, width: number, rows: number, intoFull: boolean): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < width; j++) {
      if (intoFull) full[i * cols + offset + j] = piece[i * width + j]!;
      else piece[i * width + j] = full[i * cols + offset + j]!;
    }
  }
}

function shapesOf(layout: HostMlpLayout): number[][] {
  const shapes: number[][] = [];
  let width = layout.inputDim;
  for (const m of layout.widths) {
    shapes.push([width, m], [m], ...(layout.layerNorm ? [[m], [m]] : []));
    width = m;
  }
  if (layout.headDim > 0) shapes.push([width, layout.headDim], [layout.headDim]);
  return shapes;
}

/** The MLP as one kernel dispatch (and one for its gradient) on cpu or wasm; `params` in input order. Returns the output's pieces. */
export function hostMlp(layout: HostMlpLayout, x: tf.Tensor2D, params: tf.Tensor[]): tf.Tensor2D[] {
  const name = kernelFor(layout);
  const inputs: tf.NamedTensorMap = { x };
  parameterNames(layout).forEach((n, i) => (inputs[n] = params[i]!));
  const save = tapeIsOn();
  const outputs = tf.engine().runKernel(name, inputs, { save } as unknown as tf.NamedAttrMap) as tf.Tensor2D[];
  const workspace = outputs.pop()!;
  // Without a tape the workspace is a 1-element placeholder nobody keeps.
  if (!save) workspace.dispose();
  return outputs;
}
