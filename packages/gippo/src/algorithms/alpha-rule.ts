/** Inputs of GI-PPO's α / lr_α update for the next epoch (docs/algorithms/gippo.md §2.6 steps 6–7). */
export interface AlphaRuleInput {
  alpha: number;
  lrAlpha: number;
  /** The α-regression ended with L₀ > L₁ (L₀ = L₁, e.g. both 0 at α = 0, counts as not converged). */
  converged: boolean;
  detMin: number;
  detMax: number;
  oorr: number;
  /** B = Σ A_i·(ρ_i − 1). */
  bias: number;
  /** B̂ = (B − m)/sqrt(v + 1e-5) against the previous B statistics. */
  biasScore: number;
}

export interface AlphaRuleConfig {
  alphaInterval: number;
  alphaUpdateFactor: number;
  maxAlpha: number;
  maxOorr: number;
  lrMultiplier: number;
}

/**
 * The next α and lr_α:
 * - not converged: α unchanged, lr_α ← max(lr_α/1.5, 1e-5);
 * - a determinant outside [1 − δ, 1 + δ]: α/β; otherwise α·β; capped at α_max (no lower bound);
 * - OORR > δ_oorr or (B < 0 and B̂ < −1) overrides with α/β (of the α used this epoch), capped.
 */
export function nextAlpha(input: AlphaRuleInput, config: AlphaRuleConfig): { alpha: number; lrAlpha: number } {
  const { alpha } = input;
  const beta = config.alphaUpdateFactor;
  let lrAlpha = input.lrAlpha;
  let next = alpha;
  if (!input.converged) lrAlpha = Math.max(input.lrAlpha / config.lrMultiplier, 1e-5);
  else if (input.detMin < 1 - config.alphaInterval || input.detMax > 1 + config.alphaInterval) next = alpha / beta;
  else next = alpha * beta;
  next = Math.min(next, config.maxAlpha);
  if (input.oorr > config.maxOorr || (input.bias < 0 && input.biasScore < -1)) next = Math.min(alpha / beta, config.maxAlpha);
  return { alpha: next, lrAlpha };
}
