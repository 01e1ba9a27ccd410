import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.base';

// Two entries: the side-effect-free library and `register`, which registers the `pipps` algorithm.
export default defineConfig(libraryBuild(['src/index.ts', 'src/register.ts']));
