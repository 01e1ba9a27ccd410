// How low can the PIPPS cart-pole swing-up cost go? Exhaustive search over action sequences
// u ∈ {−1, 0, 1} per 0.1 s step for the first N steps, float64, with the demo's dynamics and cost
// (docs/algorithms/pipps.md §4.1; the same equations as @pathwise/envs `cartpole-pilco`). Step costs are ≥ 0,
// so the minimum over the first N steps is a lower bound (for bang-bang-like control) on the sum
// of all 30. Usage: node scripts/cartpole-cost-bound.mjs [N=12]
const N = Number(process.argv[2] ?? 12);
const [g, mp, l, b] = [9.82, 0.5, 0.5, 0.1];
const M = 1.0;
function step(s, u) {
  let [p, phi, pd, phid] = s;
  const F = 10 * u;
  const h = 0.01;
  for (let i = 0; i < 10; i++) {
    const [sn, cs] = [Math.sin(phi), Math.cos(phi)];
    const pdd = (sn * (0.75 * mp * g * cs - 0.5 * mp * l * phid * phid) + F - b * pd) / (M - 0.75 * mp * cs * cs);
    const phidd = (1.5 / l) * (g * sn + cs * pdd);
    [p, phi, pd, phid] = [p + pd * h, phi + phid * h, pd + pdd * h, phid + phidd * h];
  }
  return [p, phi, pd, phid];
}
const cost = (s) => 1 - Math.exp(-0.5 * (s[0] * s[0] + s[1] * s[1]));
let best = { cost: Infinity, actions: [] };
// Depth-first search with pruning: a partial sum already above the best cannot win (costs ≥ 0).
function search(s, depth, sum, actions) {
  if (sum >= best.cost) return;
  if (depth === N) {
    best = { cost: sum, actions: [...actions], state: s };
    return;
  }
  for (const u of [-1, 0, 1]) {
    const next = step(s, u);
    actions.push(u);
    search(next, depth + 1, sum + cost(next), actions);
    actions.pop();
  }
}
search([0, Math.PI, 0, 0], 0, 0, []);
console.log(`minimum summed cost of the first ${N} steps: ${best.cost.toFixed(3)} (actions ${best.actions.join(',')}; state after: ${best.state.map((v) => v.toFixed(3)).join(', ')})`);
