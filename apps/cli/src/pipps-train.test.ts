// `pathwise pipps train` through the built binary: an alias of `pathwise train --algo pipps`, so its
// run directory is the runtime's (build @pathwise/pipps, @pathwise/runtime and @pathwise/cli first).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(__dirname, '..', 'dist', 'bin.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000 });
const tiny = ['--trials', '2', '--particles', '10', '--horizon', '4', '--policy-steps', '2', '--eval-episodes', '3', '--backend', 'cpu'];
const csv = (dir: string) => readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
/** metrics.csv without the columns that measure time (wall_s, fit_s, policy_s). */
const untimed = (lines: string[]) => {
  const timed = lines[0]!.split(',').flatMap((c, i) => (['wall_s', 'fit_s', 'policy_s'].includes(c) ? [i] : []));
  return lines.map((line) =>
    line
      .split(',')
      .filter((_, i) => !timed.includes(i))
      .join(','),
  );
};

describe('pathwise pipps train', () => {
  it('writes the run directory of train --algo pipps; --resume of a finished run reprints its summary; --report-only reads progress', () => {
    const root = mkdtempSync(join(tmpdir(), 'pathwise-pipps-train-'));
    const out = join(root, 'run');
    const first = run('pipps', 'train', '--method', 'tp', '--model', 'gp', ...tiny, '--seed', '3', '--out', out, '--json');
    expect(first.status, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(Object.keys(summary).sort()).toEqual(['algo', 'backend', 'best_reward', 'env', 'epochs', 'final_reward', 'seed', 'wall_s']);
    expect(summary).toMatchObject({ algo: 'pipps', env: 'cartpole-pilco', seed: 3, backend: 'cpu', epochs: 2 });
    expect(summary.final_reward as number).toBeLessThan(0); // −(evaluation cost)
    const lines = csv(out);
    expect(lines[0]).toBe('epoch,steps,reward,best_reward,wall_s,eval_cost_mean,eval_cost_std,model_nll,policy_steps,nonfinite_steps,model_cost_final,mean_k_lr,fit_loss,fit_s,policy_s');
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['1', '2']);
    expect(lines[2]!.split(',')[8]).toBe('2'); // policy_steps
    expect(lines.slice(1).map((line) => line.split(',')[9])).toEqual(['0', '0']); // nonfinite_steps
    expect(Number(lines[2]!.split(',')[2])).toBe(-Number(lines[2]!.split(',')[5])); // reward = −eval_cost_mean
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({
      algo: 'pipps',
      env: 'cartpole-pilco',
      seed: 3,
      backend: 'cpu',
      plugins: [],
      config: { estimator: 'tp', model: 'gp', trials: 2, particles: 10, horizon: 4, policySteps: 2, evalEpisodes: 3 },
    });
    for (const file of ['summary.json', 'config.json', 'metrics.jsonl', 'reward.svg', 'checkpoint/state.json']) expect(existsSync(join(out, file)), file).toBe(true);
    expect(readFileSync(join(out, 'reward.svg'), 'utf8')).not.toContain('NaN');

    const again = run('pipps', 'train', '--resume', '--out', out, '--json', '--backend', 'cpu');
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(summary);
    // --report-only trains nothing: it reports progress from the checkpoint and redraws reward.svg.
    rmSync(join(out, 'reward.svg'));
    const report = run('pipps', 'train', '--report-only', '--out', out, '--json');
    expect(report.status, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject([{ seed: 3, finished: true, epochs_done: 2, epochs: 2 }]);
    expect(existsSync(join(out, 'reward.svg'))).toBe(true);
    // Without --resume or --force an existing run is not overwritten.
    const refused = run('pipps', 'train', ...tiny, '--out', out);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/already holds a run: pass --resume/);
    // The alias and `train --algo pipps` with the same settings give the same rows.
    writeFileSync(join(root, 'tiny.yaml'), 'particles: 10\nhorizon: 4\npolicySteps: 2\nevalEpisodes: 3\n');
    const direct = run(
      'train',
      '--algo',
      'pipps',
      '--env',
      'cartpole-pilco',
      '--estimator',
      'tp',
      '--epochs',
      '2',
      '--config',
      join(root, 'tiny.yaml'),
      '--seed',
      '3',
      '--backend',
      'cpu',
      '--out',
      join(root, 'direct'),
    );
    expect(direct.status, direct.stderr).toBe(0);
    expect(untimed(csv(join(root, 'direct')))).toEqual(untimed(lines));
  });

  it('an interrupted PIPPS run resumes exactly as the uninterrupted one (SIGINT after the first trial, then train --resume)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pathwise-pipps-resume-'));
    const args = (out: string) => ['pipps', 'train', '--method', 'rp', '--model', 'gp', ...tiny.slice(2), '--trials', '3', '--seed', '1', '--out', out];
    const straight = run(...args(join(root, 'straight')));
    expect(straight.status, straight.stderr).toBe(0);
    const cut = join(root, 'cut');
    const child = spawn(process.execPath, [bin, ...args(cut)]);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(cut, 'metrics.csv')) && csv(cut).length >= 2) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolve();
        }
      }, 20);
    });
    expect(await new Promise<number | null>((resolve) => child.on('exit', resolve))).toBe(130);
    expect(existsSync(join(cut, 'summary.json'))).toBe(false);
    const resumed = run('train', '--resume', cut, '--backend', 'cpu');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(untimed(csv(cut))).toEqual(untimed(csv(join(root, 'straight'))));
    expect(csv(cut)).toHaveLength(4);
  });

  it('two seeds: one run directory per seed and a combined summary with mean ± std', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pathwise-pipps-seeds-')), 'run');
    const r = run('pipps', 'train', '--method', 'rp', '--model', 'true', ...tiny.slice(0, 1), '1', ...tiny.slice(2), '--seeds', '1,2', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { algo: string; seeds: number[]; final_reward: { mean: number; std: number; per_seed: number[] } };
    expect(summary).toMatchObject({ algo: 'pipps', seeds: [1, 2] });
    expect(summary.final_reward.per_seed).toHaveLength(2);
    expect(summary.final_reward.std).toBeGreaterThan(0);
    for (const s of ['seed-1', 'seed-2']) expect(csv(join(out, s))).toHaveLength(2);
    expect(existsSync(join(out, 'reward.svg'))).toBe(true);
  });

  it('unknown --method and --model are clear errors listing what exists', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pathwise-pipps-bad-')), 'run');
    const method = run('pipps', 'train', '--method', 'sgd', '--out', out);
    expect(method.status).toBe(1);
    expect(method.stderr).toMatch(/Unknown estimator 'sgd'\. Registered: .*\blr\b.*\brp\b.*\btp\b/);
    const model = run('pipps', 'train', '--model', 'pilco', '--out', out);
    expect(model.status).toBe(1);
    expect(model.stderr).toMatch(/Invalid config 'model': got "pilco", expected gp, ensemble, true/);
    expect(existsSync(out)).toBe(false);
  });
});
