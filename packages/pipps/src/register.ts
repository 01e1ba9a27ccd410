// The registering entry, `@pathwise/pipps/register` (listed in package.json's sideEffects): importing
// it registers the `pipps` algorithm with @pathwise/core. The main entry registers nothing.
import { registerAlgorithm } from '@pathwise/core';
import { pippsAlgorithm } from './algorithm.js';

export const pipps = registerAlgorithm(pippsAlgorithm());
