// Nothing lost, nothing hangs: run-directory safety (--force, the lock, atomic writes), file-system
// faults, concurrent writers, signals and large inputs, end to end through the built binary. A
// refused case must exit with its code, print one line naming the path or flag (no stack trace),
// and leave every file of its working directory as it was.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, metricEpochs, oneLine, pathwise, snapshot, startPathwise, waitFor } from './test-support/cli.js';

const root = mkdtempSync(join(tmpdir(), 'pathwise-reliability-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const workdir = () => {
  const dir = join(root, `case-${count++}`);
  mkdirSync(dir);
  return dir;
};
const finished = join(root, 'finished-run');
const quick = ['--algo', 'ppo', '--env', 'dejong', '--backend', 'cpu'];

beforeAll(async () => {
  const made = await pathwise(root, ['train', ...quick, '--epochs', '2', '--out', finished]);
  expect(made.code, made.stderr).toBe(0);
}, 120_000);

interface Refusal {
  /** Prepares the case's working directory (a copy of a finished run is `run/`). */
  setup?: (cwd: string) => void;
  args: (cwd: string) => string[];
  says: RegExp;
  code?: number;
  input?: string;
}

const withRun = (extra?: (cwd: string) => void) => (cwd: string) => {
  cpSync(finished, join(cwd, 'run'), { recursive: true });
  extra?.(cwd);
};
const files = (entries: Record<string, string>) => (cwd: string) => {
  for (const [name, text] of Object.entries(entries)) {
    mkdirSync(join(cwd, name, '..'), { recursive: true });
    writeFileSync(join(cwd, name), text);
  }
};

const REFUSALS: Record<string, Refusal> = {
  // --force deletes only recognisable runs, and only after validation
  '--force on a directory of the user (deleted their files)': {
    setup: files({ 'mine/notes.txt': 'keep me', 'mine/data/x.csv': '1,2' }),
    args: () => ['train', '--force', '--out', 'mine', '--epochs', '1'],
    says: /--force refused: mine is not a pathwise run directory, so nothing was deleted\. It holds data\/, notes\.txt and no config\.json/,
  },
  '--force --out "$PWD" (wiped the working directory)': {
    setup: files({ 'thesis.tex': 'chapter 1' }),
    args: (cwd) => ['train', '--force', '--out', cwd, '--epochs', '1'],
    says: /--force refused: .* It holds thesis\.tex and no config\.json of a run/,
  },
  '--force on a run holding a file a run does not write': {
    setup: withRun(files({ 'run/analysis.ipynb': '{}' })),
    args: () => ['train', '--force', '--out', 'run', '--epochs', '1'],
    says: /It holds analysis\.ipynb, which a run does not write/,
  },
  '--force with a bad --env (deleted the run, then failed)': { setup: withRun(), args: () => ['train', '--force', '--out', 'run', '--env', 'nope'], says: /Unknown env 'nope'/ },
  '--force with a bad config file': { setup: withRun(files({ 'bad.json': '{"nonsense": 1}' })), args: () => ['train', '--force', '--out', 'run', '--config', 'bad.json'], says: /nonsense/ },
  '--force with a backend this runtime lacks': { setup: withRun(), args: () => ['--backend', 'webgl', 'train', '--force', '--out', 'run'], says: /Backend 'webgl' is unavailable/ },
  'an existing run without --force': { setup: withRun(), args: () => ['train', '--out', 'run', '--epochs', '1'], says: /run already holds a run: pass --resume/ },
  // --resume continues a run as it was started
  '--resume with --epochs (was ignored)': { setup: withRun(), args: () => ['train', '--resume', 'run', '--epochs', '6'], says: /'--epochs'.*nothing with --resume/ },
  '--resume with another --backend (was ignored)': { setup: withRun(), args: () => ['--backend', 'wasm', 'train', '--resume', 'run'], says: /made on 'cpu'/ },
  'pipps train --resume with --trials': { setup: withRun(), args: () => ['pipps', 'train', '--resume', '--out', 'run', '--trials', '9'], says: /'--trials'.*nothing with --resume/ },
  '--resume of a truncated config.json (stack trace)': {
    setup: withRun((cwd) => truncateSync(join(cwd, 'run', 'config.json'), 40)),
    args: () => ['train', '--resume', 'run'],
    says: /run\/config\.json is not valid JSON .*the run record is damaged/,
  },
  '--resume of a damaged checkpoint (stack trace)': {
    setup: withRun((cwd) => {
      rmSync(join(cwd, 'run', 'summary.json'));
      writeFileSync(join(cwd, 'run', 'checkpoint', 'state.json'), '{"truncated":');
    }),
    args: () => ['train', '--resume', 'run'],
    says: /No valid checkpoint in run: .*state\.json does not match its manifest/,
  },
  '--resume of a directory holding no run': { setup: files({ 'empty/.keep': '' }), args: () => ['train', '--resume', 'empty'], says: /Cannot resume: empty holds no run/ },
  // file-system errors: one line naming the path and the cause
  '--out under /proc (span at 100 % CPU, ignoring signals)': {
    args: () => ['train', '--out', '/proc/pathwise-test/run', '--epochs', '1'],
    says: /cannot create the directory \/proc\/pathwise-test: .*\(ENOENT\)/,
  },
  '--out below a file (ENOTDIR)': {
    setup: files({ 'file.txt': 'x' }),
    args: () => ['train', '--out', 'file.txt/run', '--epochs', '1'],
    says: /file\.txt\/run: a part of the path is a file, not a directory \(ENOTDIR\)/,
  },
  '--out is a file': { setup: files({ 'file.txt': 'x' }), args: () => ['train', '--out', 'file.txt', '--epochs', '1'], says: /file\.txt: a part of the path is a file, not a directory \(ENOTDIR\)/ },
  '--config is a directory (EISDIR with a stack trace)': {
    setup: files({ 'cfg/.keep': '' }),
    args: () => ['train', '--config', 'cfg', '--out', 'run2'],
    says: /'--config'.*a directory or a special file/,
  },
  'sweep --out under /proc': {
    args: () => ['sweep', '--algos', 'ppo', '--envs', 'dejong', '--epochs', '1', '--out', '/proc/pathwise-test/sweep'],
    says: /cannot create the directory \/proc\/pathwise-test/,
  },
  'pipps chaos --out under /proc': {
    args: () => ['pipps', 'chaos', '--system', 'rnn', '--horizons', '2', '--particles', '4', '--repeats', '2', '--out', '/proc/pathwise-test/chaos'],
    says: /cannot create the directory \/proc\/pathwise-test/,
  },
  'vi mohamed --out under /proc': { args: () => ['vi', 'mohamed', '--samples', '10', '--points', '2', '--out', '/proc/pathwise-test/vi'], says: /cannot create the directory \/proc\/pathwise-test/ },
  // large inputs from a file or stdin
  'envs step --actions @missing.json': { args: () => ['envs', 'step', '--env', 'dejong', '--actions', '@missing.json'], says: /'--actions'.*got "@missing\.json".*ENOENT: no such file/ },
  'envs step --actions @a-directory': { setup: files({ 'dir/.keep': '' }), args: () => ['envs', 'step', '--env', 'dejong', '--actions', '@dir'], says: /'--actions'.*EISDIR: a directory/ },
  'envs step --actions @ (no file name)': { args: () => ['envs', 'step', '--env', 'dejong', '--actions', '@'], says: /'--actions'.*@ needs a file name/ },
  'envs step --actions @file with bad JSON': {
    setup: files({ 'a.json': '[[0.5],' }),
    args: () => ['envs', 'step', '--env', 'dejong', '--actions', '@a.json'],
    says: /'--actions'.*got "@a\.json".*valid JSON/,
  },
  'envs step --actions - with empty stdin': { args: () => ['envs', 'step', '--env', 'dejong', '--actions', '-'], input: '', says: /'--actions'.*got "-".*valid JSON/ },
  'envs step --actions - with a null inside': { args: () => ['envs', 'step', '--env', 'dejong', '--actions', '-'], input: '[[0.1],[null]]', says: /'--actions\[1\]\[0\]'/ },
  // counts of pipps train are bounded
  'pipps train --trials 1001': { args: () => ['pipps', 'train', '--out', 'p', '--trials', '1001'], says: /'--trials'.*at most 1000/ },
  'pipps train --particles 1e6': { args: () => ['pipps', 'train', '--out', 'p', '--particles', '1000000'], says: /'particles'.*<= 10000/ },
  'pipps train --policy-steps 1e9': { args: () => ['pipps', 'train', '--out', 'p', '--policy-steps', '1000000000'], says: /'policySteps'.*<= 1000000/ },
  'pipps train --eval-episodes 1e7': { args: () => ['pipps', 'train', '--out', 'p', '--eval-episodes', '10000000'], says: /'evalEpisodes'.*<= 100000/ },
};

describe('refused with one line, nothing changed', () => {
  it.concurrent.each(Object.entries(REFUSALS))('%s', async (_name, c) => {
    const cwd = workdir();
    c.setup?.(cwd);
    const before = snapshot(cwd);
    const result = await pathwise(cwd, c.args(cwd), c.input !== undefined ? { input: c.input } : {});
    expect(oneLine(result)).toMatch(c.says);
    expect(result.code, result.stderr).toBe(c.code ?? 1);
    expect(result.stdout).toBe('');
    expect(snapshot(cwd)).toEqual(before);
  });
});

describe('--debug', () => {
  it('adds the stack trace to the one-line message', async () => {
    const result = await pathwise(workdir(), ['--debug', 'train', '--out', '/proc/pathwise-test/run', '--epochs', '1']);
    expect(result.code).toBe(1);
    const [first, ...rest] = result.stderr.trim().split('\n');
    expect(first).toMatch(/^pathwise: cannot create the directory \/proc\/pathwise-test: .*\(ENOENT\)$/);
    expect(rest.some((line) => /^ {4}at .*ensureDirectory/.test(line))).toBe(true);
  });
});

describe('large inputs: --actions @file and - (stdin)', () => {
  it('gives the same result as the inline JSON, for inputs past the command-line limit too', async () => {
    const cwd = workdir();
    const small = JSON.stringify([[[0.5]], [[-0.25]], [[0.1]]]);
    writeFileSync(join(cwd, 'small.json'), small);
    const inline = await pathwise(cwd, ['--json', 'envs', 'step', '--env', 'dejong', '--actions', small]);
    const file = await pathwise(cwd, ['--json', 'envs', 'step', '--env', 'dejong', '--actions', '@small.json']);
    const stdin = await pathwise(cwd, ['--json', 'envs', 'step', '--env', 'dejong', '--actions', '-'], { input: small });
    expect(inline.code, inline.stderr).toBe(0);
    expect(file.stdout).toBe(inline.stdout);
    expect(stdin.stdout).toBe(inline.stdout);
    // 3 MB of actions: more than Linux accepts on a command line (about 2 MiB in all).
    const big = JSON.stringify(Array.from({ length: 5_000 }, (_, t) => Array.from({ length: 64 }, (_, b) => [Math.sin(t + b) * 0.9])));
    expect(big.length).toBeGreaterThan(2 ** 21);
    writeFileSync(join(cwd, 'big.json'), big);
    const huge = await pathwise(cwd, ['--json', 'envs', 'step', '--env', 'dejong', '--actions', '@big.json']);
    expect(huge.code, huge.stderr).toBe(0);
    expect(JSON.parse(huge.stdout)).toMatchObject({ env: 'dejong', steps: 5_000 });
  });
});

describe('disk full at checkpoint time', () => {
  it('ENOSPC while writing a checkpoint: one line naming it, the previous checkpoint stays valid, and --resume finishes the run with every epoch once', async () => {
    const cwd = workdir();
    writeFileSync(join(cwd, 'every2.json'), '{"checkpointEvery": 2}');
    // Each checkpoint writes state.json, progress.json and manifest.json: fail the second checkpoint.
    const full = await pathwise(cwd, ['train', ...quick, '--epochs', '8', '--config', 'every2.json', '--out', 'run'], { env: { PATHWISE_INJECT_FAULT: 'ENOSPC:checkpoint.tmp-:3' } });
    expect(full.code).toBe(1);
    expect(oneLine(full)).toMatch(/^pathwise: cannot write .*run\/checkpoint\.tmp-\d+-\d+\/state\.json: no space left on the device \(ENOSPC\)$/);
    expect(JSON.parse(readFileSync(join(cwd, 'run', 'checkpoint', 'progress.json'), 'utf8')).epoch).toBe(2);
    expect(existsSync(join(cwd, 'run', 'lock.json'))).toBe(false);
    const resumed = await pathwise(cwd, ['train', '--resume', 'run']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(metricEpochs(join(cwd, 'run'))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('concurrent writers: one is refused (exit 75, naming the holder), the other intact', () => {
  it('train while another train, a --resume or a --force targets its directory; then SIGTERM stops the holder with 143 and a checkpoint', async () => {
    const cwd = workdir();
    const holder = startPathwise(cwd, ['train', ...quick, '--epochs', '100000', '--out', 'run']);
    await waitFor(() => metricEpochs(join(cwd, 'run')).length >= 2, 60_000, 'the first rows');
    const lock = JSON.parse(readFileSync(join(cwd, 'run', 'lock.json'), 'utf8'));
    expect(lock).toMatchObject({ pid: holder.child.pid, purpose: 'train' });
    const rivals = await Promise.all([
      pathwise(cwd, ['train', '--algo', 'rp', '--env', 'dejong', '--backend', 'cpu', '--epochs', '3', '--out', 'run']),
      pathwise(cwd, ['train', '--resume', 'run']),
      pathwise(cwd, ['train', '--force', '--algo', 'rp', '--env', 'dejong', '--backend', 'cpu', '--epochs', '3', '--out', 'run']),
    ]);
    for (const rival of rivals) {
      expect(oneLine(rival)).toMatch(new RegExp(`run is in use by another pathwise process \\(train on host .*, pid ${holder.child.pid},`));
      expect(rival.code).toBe(75);
    }
    holder.child.kill('SIGTERM');
    const stopped = await holder.done;
    expect(stopped.code, stopped.stderr).toBe(143);
    const epochs = metricEpochs(join(cwd, 'run'));
    expect(epochs).toEqual(epochs.map((_, i) => i + 1));
    expect(JSON.parse(readFileSync(join(cwd, 'run', 'checkpoint', 'progress.json'), 'utf8')).epoch).toBe(epochs.length);
    expect(JSON.parse(readFileSync(join(cwd, 'run', 'config.json'), 'utf8')).algo).toBe('ppo');
    expect(existsSync(join(cwd, 'run', 'lock.json'))).toBe(false);
  }, 120_000);

  it('two sweeps on one directory: the second is refused, the first completes', async () => {
    const cwd = workdir();
    const sweep = ['sweep', '--algos', 'ppo', '--envs', 'dejong', '--seeds', '1,2', '--epochs', '30', '--workers', '1', '--backend', 'cpu', '--out', 's'];
    const first = startPathwise(cwd, sweep);
    await waitFor(() => existsSync(join(cwd, 's', 'runs', 'dejong', 'ppo', 'seed-1', 'metrics.csv')), 60_000, 'the first run');
    const second = await pathwise(cwd, sweep);
    expect(oneLine(second)).toMatch(/s is in use by another pathwise process \(sweep on host/);
    expect(second.code).toBe(75);
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    for (const seed of [1, 2]) expect(metricEpochs(join(cwd, 's', 'runs', 'dejong', 'ppo', `seed-${seed}`))).toHaveLength(30);
  }, 120_000);
});

describe('signals: SIGINT exits 130 and SIGTERM 143 in every command, after a checkpoint', () => {
  const stopAfterRows = async (args: string[], dirOfRows: (cwd: string) => string, signal: NodeJS.Signals) => {
    const cwd = workdir();
    const run = startPathwise(cwd, args);
    await waitFor(() => metricEpochs(dirOfRows(cwd)).length >= 1, 90_000, 'a first row');
    run.child.kill(signal);
    return { cwd, result: await run.done };
  };

  it('several seeds: SIGTERM 143 (was 1) and SIGINT 130; every seed checkpointed', async () => {
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      const { cwd, result } = await stopAfterRows(['train', ...quick, '--seeds', '1,2', '--epochs', '100000', '--out', 'run'], (d) => join(d, 'run', 'seed-1'), signal);
      expect(result.code, result.stderr).toBe(code);
      expect(result.stderr).toContain(`interrupted by ${signal}`);
      for (const seed of [1, 2]) expect(existsSync(join(cwd, 'run', `seed-${seed}`, 'checkpoint', 'progress.json'))).toBe(true);
    }
  }, 120_000);

  it('a sweep: SIGTERM 143', async () => {
    const { result } = await stopAfterRows(
      ['sweep', '--algos', 'ppo', '--envs', 'dejong', '--seeds', '1', '--epochs', '100000', '--backend', 'cpu', '--out', 's'],
      (d) => join(d, 's', 'runs', 'dejong', 'ppo', 'seed-1'),
      'SIGTERM',
    );
    expect(result.code, result.stderr).toBe(143);
  }, 120_000);

  it('PIPPS: SIGTERM in the middle of a trial checkpoints the partial trial at the next policy step and exits 143', async () => {
    const cwd = workdir();
    const args = ['pipps', 'train', '--trials', '1', '--particles', '10', '--horizon', '5', '--policy-steps', '100000', '--eval-episodes', '2', '--backend', 'cpu', '--out', 'p'];
    const run = startPathwise(cwd, args);
    await waitFor(() => existsSync(join(cwd, 'p', 'lock.json')) && existsSync(join(cwd, 'p', 'metrics.csv')), 60_000, 'the run to start');
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // into the policy steps
    const sent = Date.now();
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(143);
    expect(Date.now() - sent).toBeLessThan(10_000);
    const state = JSON.parse(readFileSync(join(cwd, 'p', 'checkpoint', 'state.json'), 'utf8'));
    expect(state.partial.trial).toBe(1);
    expect(state.partial.stepsDone).toBeGreaterThan(0);
  }, 120_000);

  it('commands without runs end at once, in a long synchronous computation too; the shell sees 143 and 130', () => {
    const cwd = workdir();
    for (const [signal, code] of [
      ['TERM', 143],
      ['INT', 130],
    ] as const) {
      // bash gives a background job SIGINT ignored; `trap - INT` in the job restores the default.
      const script = `(trap - INT; exec "${process.execPath}" "${bin}" vi mohamed --samples 10000000 --points 100000) & pid=$!; sleep 2.5; kill -${signal} $pid; wait $pid; echo "exit $?"`;
      const started = Date.now();
      const shell = spawnSync('bash', ['-c', script], { cwd, encoding: 'utf8', timeout: 60_000 });
      expect(shell.stdout.trim(), shell.stderr).toBe(`exit ${code}`);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  }, 60_000);
});
