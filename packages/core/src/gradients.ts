// Registers every tfjs-core gradient (tfjs-core alone registers none), then replaces the gradients
// of exp, tanh and sigmoid. The stock ones reuse the saved *output* y, which is not on the tape as a
// function of x, so a gradient of a gradient through them is wrong or throws. Ours recompute from x.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import {
  All,
  Any,
  Equal,
  Exp,
  Greater,
  GreaterEqual,
  Less,
  LessEqual,
  LogicalAnd,
  LogicalNot,
  LogicalOr,
  NotEqual,
  Sigmoid,
  Tanh,
  exp,
  mul,
  registerGradient,
  scalar,
  sigmoid,
  square,
  sub,
  tanh,
  zeros,
} from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { BatchMatMul } from '@tensorflow/tfjs-core';
import { matMulT } from './matmul.js';

registerGradient({
  kernelName: Exp,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const x = saved[0] as Tensor;
    return { x: () => mul(dy as Tensor, exp(x)) };
  },
});

registerGradient({
  kernelName: Tanh,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const x = saved[0] as Tensor;
    return { x: () => mul(dy as Tensor, sub(scalar(1), square(tanh(x)))) };
  },
});

registerGradient({
  kernelName: Sigmoid,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const x = saved[0] as Tensor;
    return {
      x: () => {
        const s = sigmoid(x);
        return mul(dy as Tensor, mul(s, sub(scalar(1), s)));
      },
    };
  },
});

// The stock BatchMatMul gradient (same four cases), with its transposed products through matMulT:
// on wasm a flagged transpose is 3–12× slower than an explicit one, and every backward pass through a
// matMul uses two.
registerGradient({
  kernelName: BatchMatMul,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as Tensor[];
    const g = dy as Tensor;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return { a: () => matMulT(g, b!, false, true), b: () => matMulT(a!, g, true, false) };
    if (!transposeA && transposeB) return { a: () => matMulT(g, b!, false, false), b: () => matMulT(g, a!, true, false) };
    if (transposeA && !transposeB) return { a: () => matMulT(b!, g, false, true), b: () => matMulT(a!, g, false, false) };
    return { a: () => matMulT(b!, g, true, true), b: () => matMulT(g, a!, true, true) };
  },
});

// Comparisons and logical ops have no gradient registered, so `tf.where(tf.greater(x, 0), …)` under
// `tf.grad` throws "gradient function not found for Greater". Their outputs are piecewise constant:
// the gradient is zero almost everywhere.
for (const kernelName of [Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual, LogicalAnd, LogicalOr]) {
  registerGradient({
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, saved) => {
      const [a, b] = saved as Tensor[];
      return { a: () => zeros(a!.shape, 'float32'), b: () => zeros(b!.shape, 'float32') };
    },
  });
}
for (const kernelName of [All, Any]) {
  registerGradient({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (_dy, saved) => ({ x: () => zeros((saved[0] as Tensor).shape, 'float32') }),
  });
}
registerGradient({
  kernelName: LogicalNot,
  inputsToSave: ['x'],
  gradFunc: (_dy, saved) => ({ x: () => zeros((saved[0] as Tensor).shape, 'float32') }),
});
