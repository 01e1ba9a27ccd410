// The PIPPS particle tape's stochastic nodes, built from any registered estimator of
// @pathwise/estimators (docs/algorithms/pipps.md §2, §5.4; Parmas et al., ICML 2018).
import { tf } from '@pathwise/core';
import { checkNodeEstimator, getEstimator, nodeBackward, nodeTransform, spreadAcrossParticles, type Estimator, type NodeConsumer, type PerSampleGradient, type VarianceFn } from '@pathwise/estimators';
import { stepVjp, sumParticles } from './step-vjp.js';
import type { BackwardContext, Message, Outbox, Propagator, TapeNode } from './types.js';

/**
 * PIPPS' method names and the estimators they stand for: PIPPS' LR is the score function with the
 * leave-one-out baseline (§2.3). Any other registered estimator name is used as it is.
 */
export const PIPPS_METHODS: Readonly<Record<string, string>> = Object.freeze({ rp: 'rp', lr: 'lr-loo', tp: 'tp', gr: 'gr' });

/** The estimator name a PIPPS method name stands for (`lr` → `lr-loo`; other names unchanged). */
export function pippsEstimatorName(method: string): string {
  return Object.prototype.hasOwnProperty.call(PIPPS_METHODS, method) ? PIPPS_METHODS[method]! : method;
}

/** What the tape gives an estimator: the cost-to-go and the pathwise cotangent; no state, no surrogate. */
export const PARTICLE_TAPE: NodeConsumer = Object.freeze({ name: 'the PIPPS particle tape', cost: true, cotangent: true, state: false, surrogate: false });

/** The propagator of a method or estimator name, looked up in the estimators registry (plugins included). */
export function makePropagator(name: string): Propagator {
  return propagatorFromEstimator(getEstimator(pippsEstimatorName(name)), name);
}

/** The image of per-particle contributions under the step's VJP: the message into x_t and the per-particle θ-parts. */
interface Image {
  dx: tf.Tensor;
  theta: tf.Tensor[];
}

/**
 * A stochastic node x_{t+1} = mean + std ⊙ ε (mean, std from `system.predict`) whose backward pass is
 * `estimator`'s, through `nodeBackward` (docs/algorithms/pipps.md §5.4).
 *
 * Scaling. Ĵ = (1/P) Σ_i Σ_t c^i_t and the tape's message is dx^i = ∂Ĵ/∂x^i_{t+1}, so the per-particle
 * objective of the node is f^i = G^i (the return-to-go) with pathwise cotangent ∂f^i/∂x^i = P·dx^i.
 * The estimator returns per-sample contributions g^i to ∂E[f]/∂(mean, logStd) whose MEAN over
 * particles is the estimate, while the tape sums over particles: the cotangent pushed through the
 * step is g^i/P, and since the step's VJP takes (mean, std) and ∂/∂std = (∂/∂logStd)/std,
 *   dMean^i = g^i_mean / P,   dStd^i = g^i_logStd / (P·std^i).
 * For RP this is (dx, dx ⊙ ε) (§2.2); for lr-loo it is A·ε/s and A·(ε² − 1)/s with A = (G − Ḡ)/(P − 1)
 * (§2.3). The (mean, std) ↔ (mean, logStd) round trip and the ×P/÷P change float32 rounding only.
 *
 * Messages. A pathwise estimator (requires 'pathwise') sends the image of its contributions into x_t
 * (for TP the k-mixed message, §2.5 item 5) and makes the loss nodes send ∂c/∂x; an LR-type one
 * treats its samples as constants (nothing into x_t) and passes the return-to-go on, as §2.3 says.
 *
 * Combinators. `variances(parts)` maps all parts through ONE step VJP on a k·P batch and returns each
 * part's spread of per-particle θ-parts (§2.5 items 1-3); when `nodeBackward` reports a mixture, the
 * θ-gradient and the message are mixed from those cached images (no second VJP). Its first weight is
 * reported as the `kLR` diagnostic (k_LR for the built-in combinators, whose parts are [LR, RP]).
 *
 * Transforms. An estimator with a transform (Gaussian resampling, §2.6) draws its auxiliary noise ξ
 * after ε, and the node outputs transform(z, ξ) (`nodeTransform`); the cotangent it receives is on
 * those points and `nodeBackward` pulls it back to z.
 */
export function propagatorFromEstimator(estimator: Estimator<any>, name: string = estimator.name): Propagator {
  checkNodeEstimator(estimator, PARTICLE_TAPE);
  const pathwise = estimator.requires.includes('pathwise');
  return {
    name,
    estimator,
    pathwiseCost: pathwise,
    forward(input) {
      const { particles: P, system } = input;
      // The estimator's sampling design (e.g. antithetic pairs) shapes the particles' draws (particles on axis 0).
      const drawn = input.rng.normalTensor([P, system.stateDim]);
      const eps = estimator.designsNoise ? tf.tidy(() => estimator.designNoise(drawn, 0)) : drawn;
      if (eps !== drawn) drawn.dispose();
      const aux = estimator.transform ? input.rng.normalTensor([P, system.stateDim]) : undefined;
      const { mean, std, output } = tf.tidy(() => {
        const { mean, std } = system.predict(input.x, input.views, input.t);
        const draws = tf.add(mean, tf.mul(std, eps));
        return { mean: tf.clone(mean), std: tf.clone(std), output: nodeTransform(estimator, draws, aux) };
      });
      const backward = (inbox: Message, context: BackwardContext): Outbox => {
        if (!inbox.returnToGo && !inbox.dx) return { sends: [] }; // nothing downstream depends on this node
        const images = new Map<PerSampleGradient, Image>();
        const mapParts = (parts: readonly PerSampleGradient[]) => {
          const fresh = parts.filter((p, k) => !images.has(p) && parts.indexOf(p) === k);
          if (fresh.length === 0) return;
          const k = fresh.length;
          const times = (v: tf.Tensor) => (k === 1 ? v : tf.concat(new Array<tf.Tensor>(k).fill(v), 0));
          const out = stepVjp(
            context.system,
            input.t,
            times(input.x),
            context.views.map(times),
            k === 1
              ? tf.div(fresh[0]!.mean, P)
              : tf.concat(
                  fresh.map((g) => tf.div(g.mean, P)),
                  0,
                ),
            k === 1
              ? tf.div(fresh[0]!.logStd, tf.mul(std, P))
              : tf.concat(
                  fresh.map((g) => tf.div(g.logStd, tf.mul(std, P))),
                  0,
                ),
          );
          const rows = (v: tf.Tensor, j: number) => (k === 1 ? v : tf.slice(v, j * P, P));
          fresh.forEach((g, j) => images.set(g, { dx: rows(out.dx, j), theta: out.dViews.map((h) => rows(h, j)) }));
        };
        const variances: VarianceFn = (parts, maxSamples) => {
          mapParts(parts);
          const head = (h: tf.Tensor) => (maxSamples > 0 && maxSamples < P ? tf.slice(h, 0, maxSamples) : h);
          return parts.map((p) => spreadAcrossParticles(images.get(p)!.theta.map(head)));
        };
        const out = nodeBackward(estimator, {
          noise: eps,
          ...(aux ? { auxNoise: aux } : {}),
          mean,
          logStd: tf.log(std),
          cost: inbox.returnToGo ?? tf.zeros([P]),
          ...(pathwise ? { cotangent: tf.mul(inbox.dx ?? tf.zerosLike(eps), P) } : {}),
          variances,
        });
        let image: Image;
        let diagnostics: Record<string, tf.Scalar> | undefined;
        const mixture = out.mixture;
        if (mixture && mixture.parts.every((p) => images.has(p))) {
          const parts = mixture.parts.map((p) => images.get(p)!);
          const mix = (pick: (img: Image) => tf.Tensor) => parts.map((img, k) => tf.mul(mixture.weights[k]!, pick(img))).reduce((a, b) => tf.add(a, b));
          image = { dx: mix((img) => img.dx), theta: parts[0]!.theta.map((_, i) => mix((img) => tf.sum(img.theta[i]!, 0))) };
          diagnostics = { kLR: tf.reshape(mixture.weights[0]!, []) as tf.Scalar };
          return outbox(inbox, pathwise ? image.dx : undefined, image.theta, diagnostics);
        }
        mapParts([out.perSample]);
        image = images.get(out.perSample)!;
        return outbox(inbox, pathwise ? image.dx : undefined, sumParticles(image.theta));
      };
      const node: TapeNode = { kind: name, t: input.t, backward, dispose: () => tf.dispose([eps, ...(aux ? [aux] : []), mean, std, output]) };
      return { output, node };
    },
  };
}

function outbox(inbox: Message, dx: tf.Tensor | undefined, gradients: tf.Tensor[], diagnostics?: Record<string, tf.Scalar>): Outbox {
  const message: Message = { ...(inbox.returnToGo ? { returnToGo: inbox.returnToGo } : {}), ...(dx ? { dx } : {}) };
  return { sends: [{ message }], gradients, ...(diagnostics ? { diagnostics } : {}) };
}
