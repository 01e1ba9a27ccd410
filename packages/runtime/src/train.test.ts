// The runtime on toy algorithms: run directory contract, resume exactness, seeds in worker threads.
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '@pathwise/backend-cpu';
import { algorithms, UNIVERSAL_COLUMNS } from '@pathwise/core';
import { codeVersion } from './code-version.js';
import { loadPlugins } from './plugins.js';
import { StopSignal } from './pool.js';
import { defaultProblemOf, resolveRun } from './run-record.js';
import { runStatus } from './status.js';
import { resume, train, type TrainOptions } from './train.js';
import { BACKEND_CPU_URL, json, lines, summaryWithoutWall, tempDir, withoutWall, writeToyPlugin } from './test-support/toy.js';

let plugins: string[];
let estimatorPlugins: string[];

beforeAll(async () => {
  const dir = tempDir();
  plugins = await loadPlugins([writeToyPlugin(dir, 'toy-walk')]);
  estimatorPlugins = await loadPlugins([writeToyPlugin(dir, 'toy-est', { withEstimator: true, epochsKey: 'trials' })]);
});

const base = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({ algo: 'toy-walk', env: 'dejong', seeds: [3], backend: 'cpu', out, plugins, ...extra });

describe('one run', () => {
  it('writes config.json, metrics.csv/.jsonl with the universal then the algorithm columns, summary.json, reward.svg and checkpoint/', async () => {
    const out = join(tempDir(), 'run');
    const result = await train(base(out, { epochs: 4 }));
    expect(result.interrupted).toBe(false);
    for (const file of ['config.json', 'metrics.csv', 'metrics.jsonl', 'summary.json', 'reward.svg', 'checkpoint/manifest.json', 'checkpoint/state.json', 'checkpoint/progress.json']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    const rows = lines(out);
    expect(rows[0]).toBe([...UNIVERSAL_COLUMNS, 'x', 'step_size'].join(','));
    expect(rows.slice(1).map((l) => l.split(',')[0])).toEqual(['1', '2', '3', '4']);
    expect(lines(out, 'metrics.jsonl')).toHaveLength(4);
    expect(json(join(out, 'config.json'))).toEqual({
      algo: 'toy-walk',
      env: 'dejong',
      seed: 3,
      backend: 'cpu',
      plugins,
      config: { epochs: 4, step: 0.5, delayMs: 0, checkpointEvery: 1 },
      code: codeVersion(),
    });
    const summary = json(join(out, 'summary.json'));
    expect(Object.keys(summary).sort()).toEqual(['algo', 'backend', 'best_reward', 'env', 'epochs', 'final_reward', 'seed', 'wall_s']);
    const last = rows[4]!.split(',').map(Number);
    expect(summary).toMatchObject({ algo: 'toy-walk', env: 'dejong', seed: 3, backend: 'cpu', epochs: 4, final_reward: last[2], best_reward: last[3] });
    expect(result.summary).toEqual(summary);
    expect(json(join(out, 'checkpoint', 'progress.json')).epoch).toBe(4);
    expect(readFileSync(join(out, 'reward.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('keeps the name asked for (a variant) in config.json and summary.json, with the variant preset applied', async () => {
    const out = join(tempDir(), 'run');
    const result = await train(base(out, { algo: 'toy-walk-big', epochs: 1 }));
    expect(json(join(out, 'config.json'))).toMatchObject({ algo: 'toy-walk-big', config: { step: 2 } });
    expect(result.summary).toMatchObject({ algo: 'toy-walk-big' });
  });

  it('refuses to replace a run unless forced, and resuming a finished run gives its summary back', async () => {
    const out = join(tempDir(), 'run');
    const first = await train(base(out, { epochs: 1 }));
    await expect(train(base(out, { epochs: 1 }))).rejects.toThrow(/already holds a run: pass --resume/);
    expect((await resume(out)).summary).toEqual(first.summary);
    const forced = await train(base(out, { epochs: 2, force: true }));
    expect(forced.summary?.epochs).toBe(2);
  });
});

describe('resume', () => {
  it('an interrupted run resumes exactly as the uninterrupted run: rows and summary, bit for bit but wall_s', async () => {
    const root = tempDir();
    const straight = join(root, 'straight');
    const uninterrupted = await train(base(straight, { epochs: 6 }));
    const cut = join(root, 'cut');
    const stop = new StopSignal();
    const stopped = await train(base(cut, { epochs: 6, stop, onEpoch: (report) => report.epoch === 2 && stop.request() }));
    expect(stopped.interrupted).toBe(true);
    expect(existsSync(join(cut, 'summary.json'))).toBe(false);
    expect(lines(cut)).toHaveLength(3);
    expect(json(join(cut, 'checkpoint', 'progress.json')).epoch).toBe(2);
    expect(await runStatus(cut)).toEqual([{ seed: 3, dir: cut, finished: false, epochs_done: 2, epochs: 6, last: expect.objectContaining({ epoch: 2 }) }]);
    const resumed = await resume(cut, { backend: 'cpu' });
    expect(resumed.interrupted).toBe(false);
    expect(withoutWall(lines(cut))).toEqual(withoutWall(lines(straight)));
    expect(withoutWall(lines(cut, 'metrics.jsonl').map((l) => l.replace(/"wall_s":[^,}]*,?/, '')))).toEqual(
      withoutWall(lines(straight, 'metrics.jsonl').map((l) => l.replace(/"wall_s":[^,}]*,?/, ''))),
    );
    expect(summaryWithoutWall(resumed.summary as never)).toEqual(summaryWithoutWall(uninterrupted.summary as never));
    expect(summaryWithoutWall(json(join(cut, 'summary.json')))).toEqual(summaryWithoutWall(json(join(straight, 'summary.json'))));
  });

  it('after a crash past the last checkpoint, the rows written since are recomputed, not duplicated', async () => {
    const root = tempDir();
    const straight = join(root, 'straight');
    await train(base(straight, { epochs: 5, overrides: { checkpointEvery: 2 } }));
    const cut = join(root, 'cut');
    const stop = new StopSignal();
    await train(base(cut, { epochs: 5, overrides: { checkpointEvery: 2 }, stop, onEpoch: (r) => r.epoch === 2 && stop.request() }));
    // What a kill during epoch 4 leaves: epoch 3's row appended after the checkpoint at epoch 2, and half a row.
    appendFileSync(join(cut, 'metrics.csv'), `${lines(straight)[3]}\n4,40,`);
    appendFileSync(join(cut, 'metrics.jsonl'), `${lines(straight, 'metrics.jsonl')[2]}\n`);
    await resume(cut);
    expect(withoutWall(lines(cut))).toEqual(withoutWall(lines(straight)));
  });

  it('records the code a run starts with, and a resume under other code in resumedWith (once per change), with a note on stderr', async () => {
    const out = join(tempDir(), 'run');
    const stop = new StopSignal();
    await train(base(out, { epochs: 5, stop, onEpoch: (r) => r.epoch === 2 && stop.request() }));
    const now = codeVersion();
    expect(now.pathwise).toBe(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version);
    expect(json(join(out, 'config.json')).code).toEqual(now);
    // As if the run had been started by another commit.
    const older = { pathwise: '0.0.1', commit: 'f'.repeat(40), dirty: false };
    writeFileSync(join(out, 'config.json'), JSON.stringify({ ...json(join(out, 'config.json')), code: older }));
    const notes: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (notes.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const again = new StopSignal();
      await resume(out, { stop: again, onEpoch: (r) => r.epoch === 3 && again.request() });
      await resume(out); // same code as the last resume: nothing more recorded
    } finally {
      process.stderr.write = write;
    }
    const record = json(join(out, 'config.json'));
    expect(record.code).toEqual(older);
    expect(record.resumedWith).toEqual([{ epoch: 2, code: now }]);
    expect(notes.filter((n) => n.startsWith('note:'))).toEqual([expect.stringMatching(/was run up to epoch 2 with @pathwise\/runtime 0\.0\.1 at ffffffffffff and continues with @pathwise\/runtime /)]);
    expect(json(join(out, 'summary.json')).epochs).toBe(5);
  });

  it('a run without a checkpoint restarts under the current code and records it as its own', async () => {
    const out = join(tempDir(), 'run');
    const stop = new StopSignal();
    // Stopped after epoch 1 (it checkpoints on stop); removing the checkpoint stands for a crash before the first one.
    await train(base(out, { epochs: 3, stop, onEpoch: () => stop.request() }));
    rmSync(join(out, 'checkpoint'), { recursive: true });
    writeFileSync(join(out, 'config.json'), JSON.stringify({ ...json(join(out, 'config.json')), code: { pathwise: '0.0.1' } }));
    await resume(out);
    const record = json(join(out, 'config.json'));
    expect(record.code).toEqual(codeVersion());
    expect(record.resumedWith).toBeUndefined();
  });

  it('refuses another backend than the run was made on, and a directory without a run', async () => {
    const out = join(tempDir(), 'run');
    const stop = new StopSignal();
    await train(base(out, { epochs: 3, stop, onEpoch: () => stop.request() }));
    await expect(resume(out, { backend: 'wasm' })).rejects.toThrow(/made on 'cpu'; resume it on the same backend \(--backend cpu\)/);
    await expect(resume(join(tempDir(), 'nothing'))).rejects.toThrow(/Cannot resume: .*nothing holds no run/);
  });
});

describe('config resolution', () => {
  it('an unknown algorithm lists the registered names; an unknown env lists the envs', () => {
    expect(() => resolveRun({ algo: 'nope', env: 'dejong' })).toThrow(/Unknown algorithm 'nope'\. Registered: .*toy-walk, toy-walk-big.*--plugin/);
    expect(() => resolveRun({ algo: 'toy-walk', env: 'moon' })).toThrow(/Unknown env 'moon'\. Registered: .*dejong/);
  });

  it('--estimator sets the estimator key, and fails naming the algorithm when it has none', () => {
    expect(resolveRun({ algo: 'toy-est', env: 'dejong', estimator: 'rp' }).config.estimator).toBe('rp');
    expect(() => resolveRun({ algo: 'toy-walk', env: 'dejong', estimator: 'rp' })).toThrow(
      /Invalid config '--estimator': got "rp", expected an algorithm with an 'estimator' config key; 'toy-walk' has none \(its keys: checkpointEvery, delayMs, epochs, step\)/,
    );
    expect(() => resolveRun({ algo: 'toy-est', env: 'dejong', estimator: 'dice' })).toThrow(/Invalid config 'estimator': got "dice", expected one of lr, rp/);
  });

  it('--epochs sets the key the algorithm names (epochsKey), and must be a positive integer', () => {
    expect(resolveRun({ algo: 'toy-est', env: 'dejong', epochs: 7 }).config).toMatchObject({ trials: 7 });
    expect(resolveRun({ algo: 'toy-walk', env: 'dejong', epochs: 7 }).config).toMatchObject({ epochs: 7 });
    expect(() => resolveRun({ algo: 'toy-walk', env: 'dejong', epochs: 0 })).toThrow(/Invalid config '--epochs': got 0, expected a positive integer/);
    expect(algorithms.get('toy-est').epochsKey).toBe('trials');
  });

  it('a run whose metrics do not match its declared columns fails naming the algorithm', async () => {
    const dir = tempDir();
    const file = join(dir, 'toy-cols.mjs');
    const source = readFileSync(writeToyPlugin(dir, 'toy-cols'), 'utf8').replace("columns: () => ['x', 'step_size']", "columns: () => ['x', 'loss']");
    writeFileSync(file, source);
    const records = await loadPlugins([file]);
    await expect(train({ algo: 'toy-cols', env: 'dejong', seeds: [1], backend: 'cpu', out: join(dir, 'run'), plugins: records })).rejects.toThrow(
      /Algorithm 'toy-cols' epoch 1 metrics do not match its columns \(missing loss; undeclared step_size\)/,
    );
  });
});

describe('several seeds', () => {
  it('run in worker threads, one seed-<n>/ run directory each, exactly as one seed alone, with the combined summary', async () => {
    const root = tempDir();
    const out = join(root, 'multi');
    const seen = new Set<number>();
    const result = await train(base(out, { seeds: [1, 2], epochs: 3, preload: [BACKEND_CPU_URL], onEpoch: (report) => seen.add(report.seed) }));
    expect([...seen].sort()).toEqual([1, 2]);
    expect(readdirSync(out).sort()).toEqual(['reward.svg', 'seed-1', 'seed-2', 'summary.json']);
    const summary = json(join(out, 'summary.json'));
    expect(Object.keys(summary).sort()).toEqual(['algo', 'backend', 'best_reward', 'env', 'epochs', 'final_reward', 'seeds', 'wall_s']);
    expect(summary).toMatchObject({ algo: 'toy-walk', env: 'dejong', backend: 'cpu', epochs: 3, seeds: [1, 2] });
    const perSeed = [1, 2].map((s) => json(join(out, `seed-${s}`, 'summary.json')));
    expect(summary.best_reward.per_seed).toEqual(perSeed.map((s) => s.best_reward));
    expect(summary.final_reward.mean).toBeCloseTo((perSeed[0].final_reward + perSeed[1].final_reward) / 2, 12);
    expect(summary.final_reward.std).toBeCloseTo(Math.abs(perSeed[0].final_reward - perSeed[1].final_reward) / Math.SQRT2, 12);
    expect(result.summary).toEqual(summary);
    // A worker thread computes what this thread computes for the same seed.
    const alone = join(root, 'alone');
    await train(base(alone, { seeds: [2], epochs: 3 }));
    expect(withoutWall(lines(join(out, 'seed-2')))).toEqual(withoutWall(lines(alone)));
  });

  it('interrupted workers checkpoint; --resume continues every seed exactly', async () => {
    const root = tempDir();
    const straight = join(root, 'straight');
    await train(base(straight, { seeds: [1, 2], epochs: 6, preload: [BACKEND_CPU_URL] }));
    const cut = join(root, 'cut');
    const stop = new StopSignal();
    const slow = { delayMs: 40 };
    const stopped = await train(base(cut, { seeds: [1, 2], epochs: 6, overrides: slow, preload: [BACKEND_CPU_URL], stop, onEpoch: () => stop.request() }));
    expect(stopped.interrupted).toBe(true);
    expect(existsSync(join(cut, 'summary.json'))).toBe(false);
    expect(stopped.runs.some((r) => r.interrupted)).toBe(true);
    const resumed = await resume(cut, { preload: [BACKEND_CPU_URL] });
    expect(resumed.interrupted).toBe(false);
    for (const s of [1, 2]) expect(withoutWall(lines(join(cut, `seed-${s}`)))).toEqual(withoutWall(lines(join(straight, `seed-${s}`))));
    expect(summaryWithoutWall(json(join(cut, 'summary.json')))).toEqual(summaryWithoutWall(json(join(straight, 'summary.json'))));
  });
  it('resuming several seeds starts no worker for a seed that had finished', async () => {
    const root = tempDir();
    const out = join(root, 'multi');
    const marker = join(root, 'started.log');
    const counting = join(root, 'count.mjs');
    writeFileSync(counting, `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(marker)}, 'worker\\n');\n`);
    const preload = [BACKEND_CPU_URL, pathToFileURL(counting).href];
    const first = await train(base(out, { seeds: [1, 2], epochs: 2, preload }));
    expect(readFileSync(marker, 'utf8')).toBe('worker\nworker\n');
    // As after an interruption once seed 1 had finished: seed 2 has only its config.json.
    rmSync(join(out, 'summary.json'));
    for (const file of readdirSync(join(out, 'seed-2'))) if (file !== 'config.json') rmSync(join(out, 'seed-2', file), { recursive: true });
    rmSync(marker);
    const resumed = await resume(out, { preload });
    expect(readFileSync(marker, 'utf8')).toBe('worker\n');
    expect(summaryWithoutWall(resumed.summary as never)).toEqual(summaryWithoutWall(first.summary as never));
  });
});

describe('defaultProblemOf', () => {
  it("is the algorithm's defaultProblem, else the first preferred or registered env its defaults accept", async () => {
    const dir = tempDir();
    const file = join(dir, 'picky.mjs');
    writeFileSync(
      file,
      readFileSync(writeToyPlugin(dir, 'toy-picky'), 'utf8')
        .replace("defaultProblem: 'ackley',", '')
        .replace('defaults: (problem) => ({', "defaults: (problem) => { if (problem !== 'pendulum') throw new Error('pendulum only'); return {")
        .replace('checkpointEvery: 1 }),', 'checkpointEvery: 1 }; },'),
    );
    await loadPlugins([file]);
    expect(defaultProblemOf(algorithms.get('toy-walk'))).toBe('ackley');
    expect(defaultProblemOf(algorithms.get('toy-picky'), ['dejong64'])).toBe('pendulum');
    expect(defaultProblemOf(algorithms.get('toy-est'), ['dejong64'])).toBe('ackley');
  });
});
