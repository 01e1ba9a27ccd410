import { tf } from '../tf.js';

/** A differentiable function with named trainable variables. */
export interface Module {
  readonly name: string;
  apply(x: tf.Tensor): tf.Tensor;
  /**
   * Trainable variables in a stable order, keyed `<module>.<param>` (the keys used by
   * `saveParameters`). tfjs variable names must be unique per process, so these are kept here.
   */
  namedParameters(): Array<[string, tf.Variable]>;
  /** Disposes the module's variables. */
  dispose(): void;
}

/** The module's variables in order (for `tf.variableGrads` and optimisers). */
export function parametersOf(module: Module): tf.Variable[] {
  return module.namedParameters().map(([, variable]) => variable);
}

/** A trainable variable holding `initial`, which is disposed (the variable keeps its own reference). */
export function makeVariable(initial: tf.Tensor): tf.Variable {
  const variable = tf.variable(initial, true);
  initial.dispose();
  return variable;
}
