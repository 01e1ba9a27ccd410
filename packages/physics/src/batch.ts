import { Tape, type Node } from './tape.js';

// Runs a tape program over a batch in chunks of `lanes` envs. A program is recorded once per input
// shape and lane count (recording is also its first evaluation); every chunk after that loads its
// inputs into the recorded input nodes and replays the records (`Tape.forward`), which computes the
// same values without re-running the JavaScript that built the graph. A program's graph must
// therefore not depend on input values: the simulator branches only on the model, never on the state
// (contact and limits are min/max operations). For gradients, a chunk is replayed forwards and then
// backwards from the output cotangents.

/** Flat row-major per-env arrays: `width` values per env. */
export interface Field {
  data: ArrayLike<number> & { [index: number]: number };
  width: number;
}

/** A computation recorded on a tape: input groups in, output groups out (node lists). */
export type TapeProgram = (tape: Tape, inputs: Node[][]) => Node[][];

export const DEFAULT_LANES = 32;

interface Compiled {
  tape: Tape;
  inputs: Node[][];
  outputs: Node[][];
}

const compiled = new WeakMap<TapeProgram, Map<string, Compiled>>();

function compile(program: TapeProgram, inputs: readonly Field[], lanes: number): Compiled {
  const key = `${lanes}:${inputs.map((f) => f.width).join(',')}`;
  let byShape = compiled.get(program);
  if (byShape === undefined) compiled.set(program, (byShape = new Map()));
  let entry = byShape.get(key);
  if (entry === undefined) {
    const tape = new Tape(lanes, 1 << 12);
    const inputNodes = inputs.map((field) => Array.from({ length: field.width }, () => tape.input()));
    const outputs = program(tape, inputNodes);
    entry = { tape, inputs: inputNodes, outputs };
    byShape.set(key, entry);
  }
  return entry;
}

function load(c: Compiled, inputs: readonly Field[], start: number, count: number): void {
  const { tape } = c;
  const L = tape.lanes;
  inputs.forEach((field, g) => {
    const nodes = c.inputs[g]!;
    for (let j = 0; j < field.width; j++) {
      const at = nodes[j]! * L;
      // Lanes past the end of the batch repeat the chunk's first env (finite, and never read back).
      for (let l = 0; l < L; l++) tape.val[at + l] = field.data[(start + (l < count ? l : 0)) * field.width + j]!;
    }
  });
}

function chunkLanes(batch: number, lanes: number): number {
  return Math.max(1, Math.min(lanes, batch));
}

/** Evaluates `program` for every env of the batch, writing `outputs`. */
export function runForward(program: TapeProgram, batch: number, inputs: readonly Field[], outputs: readonly Field[], lanes = DEFAULT_LANES): void {
  const c = compile(program, inputs, chunkLanes(batch, lanes));
  const { tape } = c;
  const L = tape.lanes;
  for (let start = 0; start < batch; start += L) {
    const count = Math.min(L, batch - start);
    load(c, inputs, start, count);
    tape.forward();
    outputs.forEach((field, g) => {
      const group = c.outputs[g]!;
      for (let j = 0; j < field.width; j++) {
        const at = group[j]! * L;
        for (let l = 0; l < count; l++) field.data[(start + l) * field.width + j] = tape.val[at + l]!;
      }
    });
  }
}

/**
 * The vector-Jacobian product of `program`: given cotangents of its outputs (same shapes as the
 * outputs), writes the gradients of every input. Recomputes the forward pass chunk by chunk.
 */
export function runBackward(program: TapeProgram, batch: number, inputs: readonly Field[], cotangents: readonly Field[], gradients: readonly Field[], lanes = DEFAULT_LANES): void {
  const c = compile(program, inputs, chunkLanes(batch, lanes));
  const { tape } = c;
  const L = tape.lanes;
  for (let start = 0; start < batch; start += L) {
    const count = Math.min(L, batch - start);
    load(c, inputs, start, count);
    tape.forward();
    tape.clearAdjoints();
    cotangents.forEach((field, g) => {
      const group = c.outputs[g]!;
      for (let j = 0; j < field.width; j++) {
        const at = group[j]! * L;
        for (let l = 0; l < count; l++) tape.adj[at + l] = tape.adj[at + l]! + field.data[(start + l) * field.width + j]!;
      }
    });
    tape.backward();
    gradients.forEach((field, g) => {
      const group = c.inputs[g]!;
      for (let j = 0; j < field.width; j++) {
        const at = group[j]! * L;
        for (let l = 0; l < count; l++) field.data[(start + l) * field.width + j] = tape.adj[at + l]!;
      }
    });
  }
}
