import '@pathwise/backend-cpu';
import { tf, UnknownNameError, useBackend } from '@pathwise/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrueCartpoleModel } from './true-dynamics.js';
import { defineModel, getModel, listModels, registerModel } from './registry.js';
import { makeDynamicsModel, resolvePippsConfig } from '../train.js';

tf.env().set('PROD', true);

describe('dynamics models registry', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('lists gp, ensemble and true; an unknown name lists them', () => {
    const names = listModels().map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['gp', 'ensemble', 'true']));
    let error: unknown;
    try {
      getModel('no-such-model');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownNameError);
    expect(names.slice(0, 3)).toEqual(['gp', 'ensemble', 'true']);
    for (const name of ['gp', 'ensemble', 'true']) expect(String((error as Error).message)).toContain(name);
  });

  it('builds the built-ins with their options; the ensemble needs particles in multiples of its members', () => {
    const gp = makeDynamicsModel('gp', { gp: { inducingPoints: 7 }, ensemble: {} });
    expect(gp.name).toBe('gp');
    gp.dispose();
    expect(getModel('ensemble').rowMultiple({ members: 3 })).toBe(3);
    expect(getModel('gp').rowMultiple({})).toBe(1);
    expect(() => resolvePippsConfig({ model: 'ensemble', particles: 12 })).toThrow(/multiple/);
    expect(() => resolvePippsConfig({ model: 'no-such-model' })).toThrow(/gp, ensemble, true/);
  });

  it('a registered plugin model is found by name', () => {
    registerModel(defineModel({ name: 'test-oracle', description: 'the true dynamics under another name', create: () => new TrueCartpoleModel() }));
    expect(listModels().map((m) => m.name)).toContain('test-oracle');
    const config = resolvePippsConfig({ model: 'test-oracle' });
    const model = makeDynamicsModel(config.model, config);
    expect(model.stateDim).toBe(4);
    model.dispose();
  });
});
