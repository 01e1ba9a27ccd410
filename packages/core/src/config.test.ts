import { describe, expect, it } from 'vitest';
import { resolveConfig, type ConfigSchema } from './config.js';
import { ConfigError } from './errors.js';
import { Registry } from './registry.js';
import { defineAlgorithm, registerAlgorithm, algorithms, epochsKeyOf } from './algorithm.js';

const schema: ConfigSchema = {
  lr: { type: 'number', min: 0 },
  epochs: { type: 'integer', min: 1 },
  normalize: { type: 'boolean' },
  activation: { type: 'string', enum: ['elu', 'tanh'] },
  hidden: { type: 'number[]' },
};
const defaults = { lr: 1e-3, epochs: 10, normalize: true, activation: 'elu', hidden: [32, 32] };

describe('ConfigError', () => {
  it('names non-finite numbers as written, not as JSON null, at any depth', () => {
    expect(new ConfigError('lr', Number.POSITIVE_INFINITY, 'a finite number').message).toBe(`Invalid config 'lr': got Infinity, expected a finite number.`);
    expect(new ConfigError('x', [1, Number.NaN, { y: Number.NEGATIVE_INFINITY }], 'finite').message).toBe(`Invalid config 'x': got [1,NaN,{"y":-Infinity}], expected finite.`);
    expect(new ConfigError('k', { a: 'b', n: null, u: undefined }, 'c').message).toBe(`Invalid config 'k': got {"a":"b","n":null}, expected c.`);
    expect(new ConfigError('k', undefined, 'c').message).toBe(`Invalid config 'k': got undefined, expected c.`);
  });
});

describe('resolveConfig', () => {
  it('keeps defaults for undefined overrides and names keys with the prefix in errors', () => {
    const schema: ConfigSchema = { steps: { type: 'integer', min: 0 } };
    expect(resolveConfig(schema, { steps: 3 }, { steps: undefined })).toEqual({ steps: 3 });
    expect(() => resolveConfig(schema, { steps: 3 }, { steps: -1 }, {}, 'gp.')).toThrow("Invalid config 'gp.steps': got -1, expected an integer >= 0.");
    expect(() => resolveConfig(schema, { steps: 3 }, { step: 1 }, {}, 'gp.')).toThrow('one of the known keys: gp.steps');
  });

  it('merges overrides over defaults and renames aliases', () => {
    expect(resolveConfig(schema, defaults, { lr: 0.01, max_epochs: 5 }, { max_epochs: 'epochs' })).toEqual({ ...defaults, lr: 0.01, epochs: 5 });
  });

  it.each([
    [{ lr: -1 }, /Invalid config 'lr': got -1, expected a finite number >= 0/],
    [{ epochs: 1.5 }, /'epochs': got 1.5, expected an integer >= 1/],
    [{ normalize: 'yes' }, /'normalize': got "yes", expected true or false/],
    [{ activation: 'relu' }, /expected one of elu, tanh/],
    [{ hidden: [1, 'x'] }, /an array of finite numbers/],
    [{ lrr: 1 }, /'lrr'.*known keys: activation, epochs, hidden, lr, normalize/],
  ])('rejects %j with a message naming key, value and what is allowed', (override, message) => {
    expect(() => resolveConfig(schema, defaults, override)).toThrow(ConfigError);
    expect(() => resolveConfig(schema, defaults, override)).toThrow(message);
  });
});

describe('Registry and defineAlgorithm', () => {
  it('shares one registry per kind across instances (ESM and CJS copies) and lists names on a miss', () => {
    const a = new Registry<{ name: string }>('test-kind');
    const b = new Registry<{ name: string }>('test-kind');
    a.register({ name: 'one' });
    expect(b.get('one')).toEqual({ name: 'one' });
    expect(() => b.get('two')).toThrow(/Unknown test-kind 'two'\. Registered: one\./);
  });

  it('registers algorithms by name, resolves configs per problem and variant, and lists names on a miss', async () => {
    const algo = registerAlgorithm(
      defineAlgorithm({
        name: 'noop',
        description: 'does nothing',
        defaults: (problem: string) => ({ lr: problem === 'big' ? 2 : 1, epochs: 3 }),
        configSchema: { lr: { type: 'number', min: 0 }, epochs: { type: 'integer', min: 1 } },
        keyAliases: { learning_rate: 'lr' },
        variants: { 'noop-fast': { description: 'faster', preset: { lr: 10 } } },
        epochs: (c) => c.epochs,
        columns: () => ['loss'],
        create: () => ({
          epoch: async () => ({ epoch: 1, steps: 0, reward: 0, best_reward: 0, loss: 1 }),
          state: async () => ({}),
          load: () => {},
          dispose: () => {},
        }),
      }),
    );
    expect(algorithms.get('noop')).toBe(algo);
    expect(algorithms.lookup('noop-fast')).toEqual({ algorithm: algo, name: 'noop-fast', variant: 'noop-fast' });
    expect(algo.resolve('small')).toEqual({ lr: 1, epochs: 3 });
    expect(algo.resolve('big', { learning_rate: 5 })).toEqual({ lr: 5, epochs: 3 });
    expect(algo.resolve('big', {}, 'noop-fast')).toEqual({ lr: 10, epochs: 3 });
    expect(() => algo.resolve('big', { lr: -1 })).toThrow(/Invalid config 'lr'/);
    expect(() => algorithms.lookup('nope')).toThrow(/Unknown algorithm 'nope'\. Registered: .*noop, noop-fast/);
    const run = await algo.create({ config: algo.resolve('small'), rng: undefined as never, problem: undefined, seed: 1, backend: 'cpu' });
    expect((await run.epoch())!.loss).toBe(1);
  });

  it('epochsKey names the key --epochs sets: declared, else "epochs" when the schema has it, else the alias of epochs, else none; a key outside the schema is refused', () => {
    const base = {
      description: 'toy',
      defaults: () => ({ trials: 2, epochs: 3 }),
      epochs: (c: { trials: number }) => c.trials,
      columns: () => [],
      create: () => ({ epoch: async () => ({ epoch: 1, steps: 0, reward: 0, best_reward: 0 }), state: async () => ({}), load: () => {}, dispose: () => {} }),
    };
    const trials = defineAlgorithm({ ...base, name: 'by-trials', epochsKey: 'trials', configSchema: { trials: { type: 'integer' }, epochs: { type: 'integer' } } });
    expect(epochsKeyOf(trials)).toBe('trials');
    expect(epochsKeyOf(defineAlgorithm({ ...base, name: 'by-epochs', configSchema: { trials: { type: 'integer' }, epochs: { type: 'integer' } } }))).toBe('epochs');
    expect(epochsKeyOf(defineAlgorithm({ ...base, name: 'by-alias', keyAliases: { epochs: 'trials' }, configSchema: { trials: { type: 'integer' } } }))).toBe('trials');
    expect(epochsKeyOf(defineAlgorithm({ ...base, name: 'no-key', configSchema: { trials: { type: 'integer' } } }))).toBeUndefined();
    expect(() => defineAlgorithm({ ...base, name: 'bad-key', epochsKey: 'rounds', configSchema: { trials: { type: 'integer' } } })).toThrow(
      /Invalid config 'bad-key\.epochsKey': got "rounds", expected a key of its configSchema \(trials\)/,
    );
  });
});
