// The listing and analysis commands of the plugin packages, through the built binary.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeVersion } from '@pathwise/runtime';

const bin = join(__dirname, '..', 'dist', 'bin.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000 });
const json = (...args: string[]) => {
  const r = run(...args);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('listing commands (docs/architecture.md §6)', () => {
  it('envs --json lists every named env with its dims', () => {
    const envs = json('envs', '--json') as Array<Record<string, unknown>>;
    const names = envs.map((e) => e.name);
    for (const name of [
      'dejong',
      'dejong64',
      'ackley',
      'ackley64',
      'cartpole-swingup',
      'cartpole-pilco',
      'pendulum',
      'double-pendulum',
      'traffic-a',
      'traffic-b',
      'traffic-c',
      'traffic-d',
      'traffic-e',
      'hopper',
      'ant',
    ]) {
      expect(names).toContain(name);
    }
    for (const e of envs) expect(Object.keys(e).sort()).toEqual(['actDim', 'description', 'episodeLength', 'name', 'obsDim']);
    expect(envs.find((e) => e.name === 'cartpole-swingup')).toMatchObject({ obsDim: 5, actDim: 1, episodeLength: 240 });
    expect(envs.find((e) => e.name === 'hopper')).toMatchObject({ obsDim: 11, actDim: 3, episodeLength: 1000 });
    expect(envs.find((e) => e.name === 'ant')).toMatchObject({ obsDim: 37, actDim: 8, episodeLength: 1000 });
  });

  it('algos --json lists every registered algorithm with its defaults, and its variants as aliases', () => {
    const algos = json('algos', '--json') as Array<{ name: string; description: string; defaults: Record<string, unknown>; aliases?: string[] }>;
    expect(algos.map((a) => a.name)).toEqual(['gippo', 'pg', 'pipps', 'ppo']);
    for (const a of algos) expect(Object.keys(a).filter((k) => !['name', 'description', 'defaults', 'aliases'].includes(k))).toEqual([]);
    expect(algos.find((a) => a.name === 'pg')!.aliases).toEqual(['lr', 'rp', 'lrp']);
    expect(algos.find((a) => a.name === 'gippo')).not.toHaveProperty('aliases');
    expect(algos.find((a) => a.name === 'gippo')!.defaults).toMatchObject({ alpha: 1e-5, numActors: 64, horizon: 1 });
    // PIPPS' defaults are those of the one problem it accepts (cartpole-pilco).
    expect(algos.find((a) => a.name === 'pipps')!.defaults).toMatchObject({ estimator: 'tp', model: 'gp', trials: 15, particles: 300, horizon: 30, policySteps: 250 });
  });

  it('estimators --json lists name, requires, unbiased and options', () => {
    const list = json('estimators', '--json') as Array<Record<string, unknown>>;
    const names = list.map((e) => e.name);
    for (const name of ['lr', 'rp', 'lr+rp', 'tp', 'dice']) expect(names).toContain(name);
    for (const e of list) expect(Object.keys(e).sort()).toEqual(['name', 'options', 'requires', 'unbiased']);
    expect(list.find((e) => e.name === 'rp')).toMatchObject({ requires: ['pathwise'], unbiased: true });
  });
});

describe('envs step', () => {
  it('reproduces the De Jong 1-D reference value at u = 0.1 through a = tanh(u)', () => {
    const a = Math.tanh(0.1);
    const out = json('envs', 'step', '--env', 'dejong', '--actions', JSON.stringify([[a]]), '--backend', 'cpu', '--json');
    expect(out.rewards[0][0]).toBeCloseTo(-0.2604062252, 6);
    // The spec's gradient is d/du; ours is d/da.
    expect(out.grad[0][0][0] * (1 - a * a)).toBeCloseTo(-5.173565024, 3);
  });

  // The 10-step gradient of `total` against a central difference along the unit gradient direction (the
  // slope must equal ‖∇total‖) from the same seeded reset. Float32 rollouts; ε = 1e-2. The hopper's foot
  // touches down within these 10 steps; the ant's feet start 0.19 m up (its contact gradients are
  // checked in @pathwise/envs and @pathwise/physics).
  it.each(['hopper', 'ant'])('%s: the 10-step gradient agrees with central differences of total', (env) => {
    const actDim = env === 'hopper' ? 3 : 8;
    const actions = Array.from({ length: 10 }, (_, k) => [Array.from({ length: actDim }, (_, j) => 0.4 * Math.sin(k + 2 * j))]);
    const step = (a: number[][][]) => json('envs', 'step', '--env', env, '--actions', JSON.stringify(a), '--seed', '3', '--backend', 'cpu', '--json');
    const base = step(actions);
    const grad = base.grad as number[][][];
    const norm = Math.hypot(...grad.flat(2));
    const eps = 1e-2;
    const shifted = (sign: number) => actions.map((rows, k) => rows.map((row, b) => row.map((v, j) => v + (sign * eps * grad[k]![b]![j]!) / norm)));
    const slope = (step(shifted(1)).total[0] - step(shifted(-1)).total[0]) / (2 * eps);
    expect(norm).toBeGreaterThan(0);
    expect(Math.abs(slope - norm) / norm).toBeLessThan(0.02);
  });

  it('rejects actions of the wrong width clearly', () => {
    const r = run('envs', 'step', '--env', 'dejong64', '--actions', '[[0.1]]', '--backend', 'cpu', '--json');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/64/);
  });
});

describe('vi', () => {
  it('closed-form prints every estimator variant; RP variance of the μ-gradient is Σ_j H_ij² σ_j²', () => {
    const out = json('vi', 'closed-form', '--mu', '[0, 1]', '--sigma', '[1, 0.5]', '--grad', '[1, -1]', '--hessian', '[[-2, 0.5], [0.5, -1]]', '--json');
    expect(Object.keys(out).sort()).toEqual(['exact_gradient', 'rp', 'sf_elbo', 'sf_joint']);
    expect(out.rp.mu[0]).toBeCloseTo(4 * 1 + 0.25 * 0.25, 12);
    expect(out.rp.mu[1]).toBeCloseTo(0.25 * 1 + 1 * 0.25, 12);
    for (const key of ['mu', 'sigma', 'logsigma', 'baseline_mu', 'baseline_sigma']) expect(out.sf_joint[key]).toHaveLength(2);
    expect(Object.keys(out.exact_gradient).sort()).toEqual(['logsigma', 'mu', 'sigma_elbo', 'sigma_expectation']);
  });

  it('compare --estimators: any registered estimators; no closed form gives null in JSON and empty CSV cells; unknown names list the registered ones', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pathwise-vi-')), 'compare');
    const out = json('vi', 'compare', '--model', 'logreg', '--data', 'diabetes', '--samples', '400', '--steps', '20', '--estimators', 'rp,lr-loo,tp', '--backend', 'cpu', '--out', dir, '--json');
    expect(out.reference).toBe('rp');
    expect(out.estimators.map((e: { column: string; prediction: string | null }) => [e.column, e.prediction === null])).toEqual([
      ['rp', false],
      ['lr-loo', true],
      ['tp', true],
    ]);
    expect(out.description).toMatch(/sampling design/);
    const groups = out.points.flatMap((p: { groups: Array<{ estimator: string; ratioPredictedMean: number | null; ratioEmpiricalMean: number }> }) => p.groups);
    expect(new Set(groups.map((g: { estimator: string }) => g.estimator))).toEqual(new Set(['lr-loo', 'tp']));
    for (const g of groups) {
      expect(g.ratioPredictedMean).toBeNull();
      expect(g.ratioEmpiricalMean).toBeGreaterThan(0);
    }
    const [header, first] = readFileSync(join(dir, 'coordinates.csv'), 'utf8').split('\n') as [string, string];
    const cells = Object.fromEntries(header.split(',').map((column, i) => [column, first.split(',')[i]]));
    expect(Number(cells.rp_predicted)).toBeGreaterThan(0);
    expect(cells['lr-loo_predicted']).toBe('');
    expect(cells.tp_predicted).toBe('');
    expect(Number(cells['lr-loo_empirical'])).toBeGreaterThan(0);

    const unknown = run('vi', 'compare', '--estimators', 'rp,no-such-estimator');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown estimator 'no-such-estimator'\. Registered: .*lr-loo.*rp.*sf-elbo, sf-joint, tp/);
  });

  it('compare --data synthetic --at map: vi.md §3.3 at μ = MAP; ratios with standard errors in the JSON, the CSVs and the table; a predicted-vs-empirical plot', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pathwise-vi-')), 'synthetic');
    const out = json('vi', 'compare', '--model', 'logreg', '--data', 'synthetic', '--at', 'map', '--samples', '2000', '--backend', 'cpu', '--out', dir, '--json');
    expect([out.data, out.dim, out.fit, out.points.map((p: { point: string }) => p.point)]).toEqual(['synthetic-logistic', 3, null, ['map']]);
    expect(out.points[0].f_mu).toBeCloseTo(-123.69822636, 4);
    for (const g of out.points[0].groups) {
      expect(g.ratioEmpiricalMeanSe).toBeGreaterThan(0);
      expect(g.ratioEmpiricalMaxSe).toBeGreaterThan(0);
    }
    const [header, first] = readFileSync(join(dir, 'coordinates.csv'), 'utf8').split('\n') as [string, string];
    const cells = Object.fromEntries(header.split(',').map((column, i) => [column, Number(first.split(',')[i])]));
    expect(cells.sf_joint_opt_ratio).toBeCloseTo(cells.sf_joint_opt_empirical! / cells.rp_empirical!, 9);
    expect(cells.sf_joint_opt_ratio_se).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'groups.csv'), 'utf8').split('\n')[0]).toContain('ratio_empirical_mean_se');
    expect(readFileSync(join(dir, 'predicted-vs-empirical-map.svg'), 'utf8')).toContain('class="error-bar"');
    const table = run('vi', 'compare', '--data', 'synthetic', '--at', 'map', '--samples', '500', '--estimators', 'rp,sf_joint_opt', '--backend', 'cpu');
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/mu +all +sf_joint_opt +\d\.\d+ ± \d/);

    const badPoint = run('vi', 'compare', '--at', 'init,nowhere');
    expect(badPoint.status).toBe(1);
    expect(badPoint.stderr).toMatch(/'--at'.*init, optimum, map; 'nowhere' is not one/);
    const bnn = run('vi', 'compare', '--model', 'bnn', '--data', 'synthetic');
    expect(bnn.status).toBe(1);
    expect(bnn.stderr).toMatch(/'--data'.*logreg/);
  });

  it('mohamed writes its summary, tables and plots', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pathwise-vi-')), 'mohamed');
    const r = run('vi', 'mohamed', '--out', dir, '--backend', 'cpu');
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'summary.json'))).toBe(true);
  });
});

describe('pipps', () => {
  it('chaos writes variance.csv, summary.json and variance.svg with every method per horizon', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pathwise-pipps-')), 'chaos');
    const summary = json('pipps', 'chaos', '--system', 'rnn', '--scale', '3', '--horizons', '5,10', '--particles', '50', '--repeats', '4', '--backend', 'cpu', '--out', dir, '--json');
    expect(summary.rows).toHaveLength(6);
    expect(new Set(summary.rows.map((r: { method: string }) => r.method))).toEqual(new Set(['rp', 'lr', 'tp']));
    for (const file of ['variance.csv', 'summary.json', 'variance.svg']) expect(existsSync(join(dir, file)), file).toBe(true);
  });
});

// Third-party plugins (--plugin and plugins: in configs) through the built binary, with a toy
// algorithm the test writes to a temp dir. It imports @pathwise/core by file URL: a temp dir has no node_modules.
const CORE_URL = pathToFileURL(join(__dirname, '..', '..', '..', 'packages', 'core', 'dist', 'index.js')).href;
const toyPlugin = (name: string) => `
import { defineAlgorithm, registerAlgorithm, Rng } from '${CORE_URL}';
registerAlgorithm(defineAlgorithm({
  name: '${name}',
  description: 'seeded random walk (CLI plugin tests)',
  configSchema: { epochs: { type: 'integer', min: 0 }, step: { type: 'number', min: 0 }, delayMs: { type: 'integer', min: 0 } },
  defaults: () => ({ epochs: 3, step: 0.5, delayMs: 0 }),
  epochs: (c) => c.epochs,
  variants: { '${name}-big': { description: 'bigger steps', preset: { step: 2 } } },
  columns: () => ['x'],
  create: ({ config, rng }) => {
    let random = rng, x = 1, epoch = 0, best = -Infinity;
    return {
      async epoch() {
        if (config.delayMs > 0) await new Promise((r) => setTimeout(r, config.delayMs));
        x += config.step * (random.uniform() - 0.5) - 0.1 * x;
        epoch++;
        best = Math.max(best, -x * x);
        return { epoch, steps: 10 * epoch, reward: -x * x, best_reward: best, x };
      },
      async state() { return { rng: random.state(), x, epoch, best }; },
      load(s) { random = Rng.fromState(s.rng); x = s.x; epoch = s.epoch; best = s.best; },
      dispose() {},
    };
  },
}));
`;
const inDir = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
const csv = (dir: string) => readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
const noWall = (lines: string[]) =>
  lines.map((l) =>
    l
      .split(',')
      .filter((_, i) => i !== 4)
      .join(','),
  );

describe('--plugin and plugins:', () => {
  it('a plugin file (relative to the cwd) registers an algorithm that train runs, recorded by absolute path; algos lists it with its variants', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pathwise-plugin-'));
    writeFileSync(join(cwd, 'toy.mjs'), toyPlugin('toy-cli'));
    const r = inDir(cwd, '--plugin', './toy.mjs', 'train', '--algo', 'toy-cli-big', '--env', 'dejong', '--epochs', '2', '--seed', '4', '--backend', 'cpu', '--out', 'run', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ algo: 'toy-cli-big', env: 'dejong', seed: 4, backend: 'cpu', epochs: 2 });
    expect(JSON.parse(readFileSync(join(cwd, 'run', 'config.json'), 'utf8'))).toEqual({
      algo: 'toy-cli-big',
      env: 'dejong',
      seed: 4,
      backend: 'cpu',
      plugins: [join(cwd, 'toy.mjs')],
      config: { epochs: 2, step: 2, delayMs: 0 },
      code: codeVersion(),
    });
    expect(csv(join(cwd, 'run'))[0]).toBe('epoch,steps,reward,best_reward,wall_s,x');
    const algos = JSON.parse(inDir(cwd, '--plugin', './toy.mjs', 'algos', '--json').stdout) as Array<Record<string, unknown>>;
    expect(algos.find((a) => a.name === 'toy-cli')).toEqual({
      name: 'toy-cli',
      description: 'seeded random walk (CLI plugin tests)',
      defaults: { epochs: 3, step: 0.5, delayMs: 0 },
      aliases: ['toy-cli-big'],
    });
  });

  it('plugins: in a config file, re-imported in worker threads and on --resume of an interrupted run', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pathwise-plugin-'));
    mkdirSync(join(cwd, 'plug'));
    writeFileSync(join(cwd, 'plug', 'package.json'), JSON.stringify({ name: 'plug', type: 'module', exports: { '.': { import: './walk.js' } } }));
    writeFileSync(join(cwd, 'plug', 'walk.js'), toyPlugin('toy-cfg'));
    writeFileSync(join(cwd, 'slow.yaml'), 'plugins:\n  - ./plug\ndelayMs: 60\n');
    // Several seeds: each worker thread imports the plugin named in its run's config.json. Seed 0 is
    // also the uninterrupted reference for the interrupted run below (--seed defaults to 0).
    const multi = inDir(cwd, 'train', '--config', 'slow.yaml', '--algo', 'toy-cfg', '--env', 'dejong', '--epochs', '12', '--seeds', '0,1', '--backend', 'cpu', '--out', 'multi', '--json');
    expect(multi.status, multi.stderr).toBe(0);
    expect(JSON.parse(multi.stdout)).toMatchObject({ algo: 'toy-cfg', seeds: [0, 1] });
    expect(JSON.parse(readFileSync(join(cwd, 'multi', 'seed-1', 'config.json'), 'utf8')).plugins).toEqual([join(cwd, 'plug')]);
    const cut = join(cwd, 'cut');
    const child = spawn(process.execPath, [bin, 'train', '--config', 'slow.yaml', '--algo', 'toy-cfg', '--env', 'dejong', '--epochs', '12', '--backend', 'cpu', '--out', 'cut'], { cwd });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(cut, 'metrics.csv')) && csv(cut).length >= 3) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolve();
        }
      }, 10);
    });
    expect(await new Promise<number | null>((resolve) => child.on('exit', resolve))).toBe(130);
    expect(existsSync(join(cut, 'summary.json'))).toBe(false);
    // From another directory and without --plugin: config.json's absolute plugin path is imported again.
    const resumed = inDir(tmpdir(), 'train', '--resume', cut, '--json');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(noWall(csv(cut))).toEqual(noWall(csv(join(cwd, 'multi', 'seed-0'))));
    expect(csv(cut)).toHaveLength(13);
  });

  it('a package name resolves from the cwd and is recorded by name; sweeps run plugin algorithms and variants', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pathwise-plugin-'));
    mkdirSync(join(cwd, 'node_modules', 'toy-pkg'), { recursive: true });
    writeFileSync(join(cwd, 'node_modules', 'toy-pkg', 'package.json'), JSON.stringify({ name: 'toy-pkg', type: 'module', main: 'index.js' }));
    writeFileSync(join(cwd, 'node_modules', 'toy-pkg', 'index.js'), toyPlugin('toy-pkg'));
    const r = inDir(cwd, '--plugin', 'toy-pkg', 'sweep', '--algos', 'toy-pkg,toy-pkg-big', '--envs', 'dejong', '--seeds', '1', '--epochs', '2', '--backend', 'cpu', '--out', 'sweep', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ algo: string }>).map((row) => row.algo)).toEqual(['toy-pkg', 'toy-pkg-big']);
    expect(JSON.parse(readFileSync(join(cwd, 'sweep', 'grid.json'), 'utf8')).plugins).toEqual(['toy-pkg']);
    expect(JSON.parse(readFileSync(join(cwd, 'sweep', 'runs', 'dejong', 'toy-pkg-big', 'seed-1', 'config.json'), 'utf8')).plugins).toEqual(['toy-pkg']);
    // Rerun from the directory alone: grid.json names the plugin.
    const again = inDir(cwd, 'sweep', '--out', 'sweep');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/2 runs, 2 already finished, 0 to run/);
  });

  it('the example estimator package (examples/plugin-estimator) plugs into pg through --plugin and --estimator, in worker threads too', () => {
    const example = join(__dirname, '..', '..', '..', 'examples', 'plugin-estimator');
    const cwd = mkdtempSync(join(tmpdir(), 'pathwise-plugin-'));
    const r = inDir(
      cwd,
      '--plugin',
      example,
      'train',
      '--algo',
      'pg',
      '--estimator',
      'antithetic-rp',
      '--env',
      'dejong',
      '--epochs',
      '2',
      '--seeds',
      '1,2',
      '--backend',
      'cpu',
      '--out',
      'run',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ algo: 'pg', env: 'dejong', epochs: 2, seeds: [1, 2] });
    const record = JSON.parse(readFileSync(join(cwd, 'run', 'seed-2', 'config.json'), 'utf8'));
    expect(record).toMatchObject({ algo: 'pg', plugins: [example], config: { estimator: 'antithetic-rp' } });
    expect(csv(join(cwd, 'run', 'seed-2'))).toHaveLength(3);
  });

  it('unknown and broken plugins, unknown algorithms and --estimator without an estimator key are clear errors', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pathwise-plugin-'));
    const unknown = inDir(cwd, '--plugin', 'no-such-plugin', 'algos');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain(
      `pathwise: Cannot load plugin 'no-such-plugin': no package 'no-such-plugin' in node_modules from ${cwd} upwards, and no file or directory ${join(cwd, 'no-such-plugin')} (tried: ${join(cwd, 'node_modules', 'no-such-plugin')};`,
    );
    writeFileSync(join(cwd, 'broken.mjs'), "throw new Error('needs a licence key');\n");
    const broken = inDir(cwd, '--plugin', './broken.mjs', 'algos');
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(`pathwise: Cannot load plugin './broken.mjs': importing ${join(cwd, 'broken.mjs')} failed: needs a licence key.`);
    writeFileSync(join(cwd, 'toy.mjs'), toyPlugin('toy-err'));
    const algo = inDir(cwd, '--plugin', './toy.mjs', 'train', '--algo', 'sac', '--env', 'dejong', '--backend', 'cpu', '--out', 'x');
    expect(algo.status).toBe(1);
    expect(algo.stderr).toMatch(/Unknown algorithm 'sac'\. Registered: .*toy-err, toy-err-big.*Load a plugin with --plugin <module> to add one\./);
    const estimator = inDir(cwd, '--plugin', './toy.mjs', 'train', '--algo', 'toy-err', '--env', 'dejong', '--estimator', 'lr', '--backend', 'cpu', '--out', 'x');
    expect(estimator.status).toBe(1);
    expect(estimator.stderr).toMatch(/Invalid config '--estimator': got "lr", expected an algorithm with an 'estimator' config key; 'toy-err' has none \(its keys: delayMs, epochs, step\)/);
    expect(existsSync(join(cwd, 'x'))).toBe(false);
  });
});
