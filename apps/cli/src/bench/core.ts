import { tf, MLP, Rng, parametersOf } from '@pathwise/core';

export interface CoreBenchResult {
  backend: string;
  /** Mean wall time of one small elementwise op (dispatch-bound). */
  us_per_op: number;
  /** Forward + backward of a 64 x [64, 32, 32, 1] ELU MLP, with the gradients read back. */
  ms_per_mlp_fwd_bwd: number;
}

/** Times per-op dispatch and an MLP forward+backward on the active backend. */
export async function benchCore(backend: string, options: { ops?: number; steps?: number } = {}): Promise<CoreBenchResult> {
  const ops = options.ops ?? 2000;
  const steps = options.steps ?? 50;
  const a = tf.ones([4]);
  const b = tf.ones([4]);
  const chain = (n: number) => {
    let x = a;
    for (let i = 0; i < n; i++) {
      const next = tf.add(x, b);
      if (x !== a) x.dispose();
      x = next;
    }
    return x;
  };
  const warm = chain(100);
  await warm.data();
  warm.dispose();
  const opStart = performance.now();
  const out = chain(ops);
  await out.data();
  const usPerOp = ((performance.now() - opStart) * 1000) / ops;
  out.dispose();

  const mlp = new MLP({ inputDim: 64, hidden: [64, 32, 32], outputDim: 1, activation: 'elu', rng: new Rng(0), name: 'bench' });
  const x = tf.randomNormal([64, 64], 0, 1, 'float32', 1);
  const params = parametersOf(mlp);
  const step = async () => {
    const grads = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(mlp.apply(x)) as tf.Scalar, params);
      return tf.concat(params.map((p) => tf.reshape(grads[p.name]!, [-1])));
    });
    await grads.data();
    grads.dispose();
  };
  for (let i = 0; i < 5; i++) await step();
  const mlpStart = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const msPerStep = (performance.now() - mlpStart) / steps;
  mlp.dispose();
  x.dispose();
  a.dispose();
  b.dispose();
  return { backend, us_per_op: round(usPerOp, 2), ms_per_mlp_fwd_bwd: round(msPerStep, 3) };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
