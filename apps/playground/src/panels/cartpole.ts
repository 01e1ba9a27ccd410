// Panel 4: cart-pole swing-up. GI-PPO or PPO trains in the worker; the canvas replays an episode
// of the current policy, re-recorded every few epochs, while the reward curve grows.
import type { CartpoleJob } from '../protocol.js';
import { lineChart } from '../ui/charts.js';
import { field, formValues, h, numberInput, select } from '../ui/dom.js';
import { RunLog } from './function.js';
import type { Panel } from './panel.js';

const POLE_LENGTH = 1; // metres (the SHAC pole), drawn to scale with the cart position
const TRACK = 4; // the soft cart limit |x| = 4 m

export function cartpolePanel(): Panel {
  const form = h(
    'form',
    { class: 'settings' },
    field(
      'algorithm',
      select(
        'algo',
        [
          ['gippo', 'GI-PPO'],
          ['ppo', 'PPO'],
        ],
        'gippo',
      ),
    ),
    field('seed', numberInput('seed', 1, { min: 0, step: 1 })),
    field('epochs', numberInput('epochs', 100, { min: 1, step: 1 })),
    field(
      'envs',
      select(
        'actors',
        ['8', '16', '32', '64', '256', '1024', '4096'].map((v) => [v, v]),
        '16',
      ),
      'parallel envs per rollout (thousands: pick webgpu or webgl, whose fused env step runs them in a few shader programs)',
    ),
    field(
      'hidden width',
      select(
        'hidden',
        ['16', '32', '64'].map((v) => [v, v]),
        '32',
      ),
    ),
    field('critic iterations', numberInput('criticIterations', 4, { min: 1, step: 1 })),
    field('animate every', numberInput('animateEvery', 5, { min: 1, step: 1 }), 'epochs between re-recorded episodes'),
  );
  const canvas = h('canvas', { width: 560, height: 260, class: 'cartpole' });
  const caption = h('p', { class: 'muted' }, 'Start a run to see the policy.');
  const curve = h('div', { class: 'chart', 'data-role': 'reward' });
  const view = h('div', { class: 'grid' }, h('div', {}, canvas, caption), curve);
  const log = new RunLog();
  let frames: Array<[number, number, number]> = [];
  let frameIndex = 0;

  const draw = () => {
    const ctx = canvas.getContext('2d');
    if (ctx && frames.length > 0) {
      const [x, cos, sin] = frames[frameIndex % frames.length]!;
      frameIndex++;
      const { width, height } = canvas;
      const scale = width / (2 * TRACK + 1);
      const groundY = height * 0.6;
      const cx = width / 2 + x * scale;
      ctx.clearRect(0, 0, width, height);
      ctx.strokeStyle = '#999';
      ctx.beginPath();
      ctx.moveTo(width / 2 - TRACK * scale, groundY);
      ctx.lineTo(width / 2 + TRACK * scale, groundY);
      ctx.stroke();
      ctx.fillStyle = '#4a6fa5';
      ctx.fillRect(cx - 0.25 * scale, groundY - 0.1 * scale, 0.5 * scale, 0.2 * scale);
      // θ = 0 is upright; the episode starts hanging (θ ≈ −π).
      ctx.strokeStyle = '#c0504d';
      ctx.lineWidth = 5;
      ctx.beginPath();
      ctx.moveTo(cx, groundY);
      ctx.lineTo(cx + sin * POLE_LENGTH * scale, groundY - cos * POLE_LENGTH * scale);
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    requestAnimationFrame(draw);
  };
  requestAnimationFrame(draw);

  // Returns of the replayed episodes: a signal before the first training episode ends (240 steps).
  const replays = { name: 'replayed episode', x: [] as number[], y: [] as number[] };
  const renderCurve = () => {
    curve.innerHTML = lineChart('Cart-pole swing-up: episode return', 'epoch', 'return', [...log.series('reward').map((s) => ({ ...s, name: `${s.name} (smoothed, training)` })), replays]);
    curve.dataset.points = String(log.points());
  };
  renderCurve();

  return {
    id: 'cartpole',
    title: 'Cart-pole swing-up',
    form,
    view,
    job(): CartpoleJob {
      const v = formValues(form);
      return {
        kind: 'cartpole',
        algo: v.algo as CartpoleJob['algo'],
        seed: Number(v.seed),
        epochs: Number(v.epochs),
        actors: Number(v.actors),
        hidden: Number(v.hidden),
        criticIterations: Number(v.criticIterations),
        animateEvery: Number(v.animateEvery),
      };
    },
    reset() {
      log.clear();
      frames = [];
      replays.x = [];
      replays.y = [];
      renderCurve();
    },
    onEvent(event) {
      if (event.kind === 'metrics') {
        log.add(event.run, event.row);
        renderCurve();
      } else if (event.kind === 'cartpole') {
        frames = event.frames;
        frameIndex = 0;
        caption.textContent = `Policy after epoch ${event.epoch}: episode return ${event.episodeReturn.toFixed(1)} (${event.frames.length} steps at 60 Hz; env step: ${event.kernel === 'fused' ? 'fused kernel' : 'op by op'} on ${event.backend})`;
        canvas.dataset.epoch = String(event.epoch);
        canvas.dataset.kernel = event.kernel;
        replays.x.push(event.epoch);
        replays.y.push(event.episodeReturn);
        renderCurve();
      }
    },
    exportCsv: () => log.csv(),
    exportJson: () => ({ settings: formValues(form), runs: Object.fromEntries(log.rows) }),
  };
}
