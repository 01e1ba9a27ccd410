// Registers every tfjs-core gradient (tfjs-core alone registers none), then replaces the gradients
// of exp, tanh and sigmoid. The stock ones reuse the saved *output* y, which is not on the tape as a
// function of x, so a gradient of a gradient through them is wrong or throws. Ours recompute from x.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { Exp, Sigmoid, Tanh, exp, mul, registerGradient, sigmoid, square, sub, tanh, scalar } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

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
