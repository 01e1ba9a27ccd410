import type { Command } from 'commander';
import { Adam, DiagGaussian, Rng, tf } from '@pathwise/core';
import { globalOptions, printJson, Progress, setupBackend } from '../context.js';
import { countFlag, LIMITS } from '../flags.js';

/**
 * A tiny end-to-end check: minimise E_{x~N(μ, σ²)}[(x − 3)²] over (μ, log σ) with reparameterised
 * gradient estimates and Adam. The optimum is μ = 3, σ → 0; the exact objective is (μ − 3)² + σ².
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Tiny demo: reparameterised-gradient Adam on E[(x - 3)^2], x ~ N(mu, sigma^2)')
    .option('--steps <n>', `Adam steps, 1 to ${LIMITS.steps.max}`, countFlag('--steps', 'steps'), 300)
    .option('--samples <n>', `samples per gradient estimate, 1 to ${LIMITS.samples.max}`, countFlag('--samples', 'samples'), 64)
    .option('--json', 'print the result as JSON')
    .action(async (options: { steps: number; samples: number }, command: Command) => {
      const { json, backend, seed } = globalOptions(command);
      const active = await setupBackend(backend);
      const { steps, samples } = options;
      const rng = new Rng(seed);
      const mu = tf.variable(tf.zeros([1, 1]));
      const logSigma = tf.variable(tf.zeros([1, 1]));
      const adam = new Adam([mu, logSigma], { lr: 0.05 });
      const progress = new Progress(steps, 'demo', json);
      const start = performance.now();
      for (let i = 1; i <= steps; i++) {
        const norm = tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const dist = DiagGaussian.fromLogStd(tf.tile(mu, [samples, 1]), tf.tile(logSigma, [samples, 1]));
            const { sample } = dist.rsample(rng);
            return tf.mean(tf.square(tf.sub(sample, 3))) as tf.Scalar;
          }, [mu, logSigma]);
          return adam.step(grads);
        });
        norm.dispose();
        progress.tick(i);
      }
      progress.done();
      const m = (await mu.data())[0]!;
      const s = Math.exp((await logSigma.data())[0]!);
      const result = {
        backend: active,
        steps,
        samples,
        mu: m,
        sigma: s,
        objective: (m - 3) ** 2 + s ** 2,
        wall_s: (performance.now() - start) / 1000,
      };
      mu.dispose();
      logSigma.dispose();
      adam.dispose();
      if (json) return printJson(result);
      process.stdout.write(
        `demo on ${active}: mu = ${m.toFixed(4)} (optimum 3), sigma = ${s.toExponential(2)} (optimum 0), E[(x-3)^2] = ${result.objective.toExponential(3)} after ${steps} steps in ${result.wall_s.toFixed(2)} s\n`,
      );
    });
}
