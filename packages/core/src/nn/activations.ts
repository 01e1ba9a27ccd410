import { tf } from '../tf.js';
import { UnknownNameError } from '../errors.js';

export type Activation = (x: tf.Tensor) => tf.Tensor;

const ACTIVATIONS = {
  identity: (x: tf.Tensor) => x,
  relu: (x: tf.Tensor) => tf.relu(x),
  elu: (x: tf.Tensor) => tf.elu(x),
  tanh: (x: tf.Tensor) => tf.tanh(x),
  sigmoid: (x: tf.Tensor) => tf.sigmoid(x),
  softplus: (x: tf.Tensor) => tf.softplus(x),
  leaky_relu: (x: tf.Tensor) => tf.leakyRelu(x, 0.01),
} satisfies Record<string, Activation>;

export type ActivationName = keyof typeof ACTIVATIONS;

/** The activation called `name`; unknown names list the known ones. */
export function activation(name: string): Activation {
  const fn = (ACTIVATIONS as Record<string, Activation>)[name];
  if (fn === undefined) throw new UnknownNameError('activation', name, Object.keys(ACTIVATIONS));
  return fn;
}

export const activationNames = Object.keys(ACTIVATIONS) as ActivationName[];
