import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pathwise/core';
import {
  countFlag,
  LIMITS,
  parseCount,
  parseCountList,
  parseFiniteNumber,
  parseInteger,
  parseNameList,
  parseNumberArray,
  parseNumberMatrix,
  parseRedisUrl,
  parseSeed,
  parseSeedList,
  SEED_MAX,
} from './flags.js';

/** The ConfigError a parser throws (fails the test when it returns). */
function errorOf(parse: () => unknown): ConfigError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('flag parsers', () => {
  it('integer: decimal digits only, a safe integer in [min, max]', () => {
    expect(parseInteger('--n', ' 42 ')).toBe(42);
    expect(parseInteger('--n', '-3', { min: -5, max: 5 })).toBe(-3);
    for (const bad of ['', ' ', '1.5', '1e3', '0x10', 'Infinity', 'NaN', 'abc', '1,2', '9007199254740993']) {
      const error = errorOf(() => parseInteger('--n', bad));
      expect(error.key).toBe('--n');
      expect(error.value).toBe(bad);
    }
    expect(errorOf(() => parseInteger('--n', '6', { min: -5, max: 5 })).message).toBe(`Invalid config '--n': got "6", expected an integer in [-5, 5].`);
  });

  it('seed: an integer in [0, 2^32)', () => {
    expect(parseSeed('--seed', '0')).toBe(0);
    expect(parseSeed('--seed', String(SEED_MAX))).toBe(2 ** 32 - 1);
    for (const bad of ['1.5', '1e30', '-1', String(2 ** 32), '', 'x']) expect(errorOf(() => parseSeed('--seed', bad)).message).toMatch(/'--seed'.*an integer in \[0, 2\^32\)/);
  });

  it('seed list: no empty elements, each a seed, at least one; duplicates dropped', () => {
    expect(parseSeedList('--seeds', '3, 1,3')).toEqual([3, 1]);
    for (const bad of ['', ',', '1,,2', '1,', ',1', '1,x', '1,1.5', '1,-2', `1,${2 ** 32}`]) {
      const error = errorOf(() => parseSeedList('--seeds', bad));
      expect(error.key).toBe('--seeds');
      expect(error.message).toMatch(/no empty elements/);
    }
  });

  it('count: positive, bounded, the bound and its reason in the message', () => {
    expect(parseCount('--k', '7', 10)).toBe(7);
    expect(parseCount('--k', '2', 10, { min: 2 })).toBe(2);
    expect(errorOf(() => parseCount('--k', '0', 10)).message).toBe(`Invalid config '--k': got "0", expected an integer in [1, 10].`);
    expect(errorOf(() => parseCount('--k', '1', 10, { min: 2 })).expected).toMatch(/\[2, 10\]/);
    const envSteps = countFlag('--steps', 'envSteps');
    expect(envSteps(String(LIMITS.envSteps.max))).toBe(LIMITS.envSteps.max);
    expect(errorOf(() => envSteps('1000000000')).message).toMatch(/at most 10000: .*24 GiB/);
    expect(errorOf(() => envSteps('1e9')).value).toBe('1e9');
  });

  it('count list: comma-separated, no empty elements, each bounded', () => {
    expect(parseCountList('--h', '5, 10', 100)).toEqual([5, 10]);
    for (const bad of ['', '5,,10', '5,', '0', '5,101', '5,x']) expect(errorOf(() => parseCountList('--h', bad, 100)).key).toBe('--h');
  });

  it('finite number: decimal or exponent notation; no Infinity, NaN, hex or empty text', () => {
    expect(parseFiniteNumber('--x', '-1.5e-3')).toBe(-1.5e-3);
    expect(parseFiniteNumber('--x', '.5')).toBe(0.5);
    for (const bad of ['', 'Infinity', '-Infinity', 'NaN', '1e999', '0x10', 'abc', '1,5']) expect(errorOf(() => parseFiniteNumber('--x', bad)).expected).toBe('a finite number');
    expect(errorOf(() => parseFiniteNumber('--x', '0', { positive: true })).expected).toBe('a finite number > 0');
  });

  it('name list: no empty elements, at least one', () => {
    expect(parseNameList('--algos', ' gippo , shac ')).toEqual(['gippo', 'shac']);
    for (const bad of ['', ',', 'a,,b', 'a,']) expect(errorOf(() => parseNameList('--algos', bad)).key).toBe('--algos');
  });

  it('JSON number array / matrix: rejects non-numbers, null and non-finite values, naming the index', () => {
    expect(parseNumberArray('--mu', '[0, 0.5]')).toEqual([0, 0.5]);
    expect(parseNumberMatrix('--hessian', '[[1, 0], [0, 1]]')).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(errorOf(() => parseNumberArray('--mu', '[0, null]')).message).toBe(`Invalid config '--mu[1]': got null, expected a finite number.`);
    expect(errorOf(() => parseNumberArray('--mu', '[0, "1"]')).key).toBe('--mu[1]');
    expect(errorOf(() => parseNumberArray('--mu', '[true]')).key).toBe('--mu[0]');
    expect(errorOf(() => parseNumberArray('--mu', '[1e999]')).message).toBe(`Invalid config '--mu[0]': got Infinity, expected a finite number.`);
    expect(errorOf(() => parseNumberArray('--mu', '[NaN]')).message).toMatch(/valid JSON/);
    expect(errorOf(() => parseNumberArray('--mu', '{}')).key).toBe('--mu');
    expect(errorOf(() => parseNumberArray('--mu', '[]')).key).toBe('--mu');
    expect(errorOf(() => parseNumberArray('--mu', '[[1]]')).key).toBe('--mu[0]');
    expect(errorOf(() => parseNumberMatrix('--hessian', '[[1, 0], [0, -1e999]]')).message).toBe(`Invalid config '--hessian[1][1]': got -Infinity, expected a finite number.`);
    expect(errorOf(() => parseNumberMatrix('--hessian', '[1, 0]')).key).toBe('--hessian[0]');
  });

  it('Redis URL: redis://HOST[:PORT][/DB] or rediss://, a port in [1, 65535], a decimal DB', () => {
    for (const good of ['redis://127.0.0.1:6379', 'redis://localhost:6380/2', 'rediss://user:secret@cache.example:6380/0', 'redis://[::1]:6379', 'redis://queue-host']) {
      expect(parseRedisUrl('--queue', ` ${good} `)).toBe(good);
    }
    for (const bad of [
      '',
      '127.0.0.1:6379',
      'http://127.0.0.1:6379',
      'redis://',
      'redis://host:0x10',
      'redis://host:70000',
      'redis://host:6379/x',
      'redis://host:6379/1.5',
      'redis://host:6379/-1',
      'redis://host:6379/0?db=1',
    ]) {
      expect(errorOf(() => parseRedisUrl('--queue', bad)).key, bad).toBe('--queue');
    }
    expect(errorOf(() => parseRedisUrl('--queue', 'http://h:1')).message).toBe(
      `Invalid config '--queue': got "http://h:1", expected a Redis URL redis://HOST:PORT[/DB], e.g. redis://127.0.0.1:6379/0.`,
    );
  });
});
