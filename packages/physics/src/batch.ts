import { Tape, type Node } from './tape.js';

// Runs a tape program over a batch in chunks of `lanes` envs: per chunk the tape is reset, the
// inputs are loaded, the program is recorded (which computes it), and the outputs are read back. For
// gradients the same chunk is recorded again and replayed backwards from the output cotangents.

/** Flat row-major per-env arrays: `width` values per env. */
export interface Field {
  data: ArrayLike<number> & { [index: number]: number };
  width: number;
}

/** A computation recorded on a tape: input groups in, output groups out (node lists). */
export type TapeProgram = (tape: Tape, inputs: Node[][]) => Node[][];

export const DEFAULT_LANES = 32;

const tapes = new Map<number, Tape>();

function tapeFor(lanes: number): Tape {
  let tape = tapes.get(lanes);
  if (tape === undefined) tapes.set(lanes, (tape = new Tape(lanes, 1 << 15)));
  return tape;
}

function load(tape: Tape, inputs: readonly Field[], start: number, count: number): Node[][] {
  const L = tape.lanes;
  return inputs.map((field) => {
    const nodes: Node[] = [];
    for (let j = 0; j < field.width; j++) {
      const node = tape.input();
      const at = node * L;
      // Lanes past the end of the batch repeat the chunk's first env (finite, and never read back).
      for (let l = 0; l < L; l++) tape.val[at + l] = field.data[(start + (l < count ? l : 0)) * field.width + j]!;
      nodes.push(node);
    }
    return nodes;
  });
}

function chunkLanes(batch: number, lanes: number): number {
  return Math.max(1, Math.min(lanes, batch));
}

/** Evaluates `program` for every env of the batch, writing `outputs`. */
export function runForward(program: TapeProgram, batch: number, inputs: readonly Field[], outputs: readonly Field[], lanes = DEFAULT_LANES): void {
  const tape = tapeFor(chunkLanes(batch, lanes));
  const L = tape.lanes;
  for (let start = 0; start < batch; start += L) {
    const count = Math.min(L, batch - start);
    tape.reset();
    const nodes = program(tape, load(tape, inputs, start, count));
    outputs.forEach((field, g) => {
      const group = nodes[g]!;
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
  const tape = tapeFor(chunkLanes(batch, lanes));
  const L = tape.lanes;
  for (let start = 0; start < batch; start += L) {
    const count = Math.min(L, batch - start);
    tape.reset();
    const inputNodes = load(tape, inputs, start, count);
    const outputNodes = program(tape, inputNodes);
    tape.clearAdjoints();
    cotangents.forEach((field, g) => {
      const group = outputNodes[g]!;
      for (let j = 0; j < field.width; j++) {
        const at = group[j]! * L;
        for (let l = 0; l < count; l++) tape.adj[at + l] = tape.adj[at + l]! + field.data[(start + l) * field.width + j]!;
      }
    });
    tape.backward();
    gradients.forEach((field, g) => {
      const group = inputNodes[g]!;
      for (let j = 0; j < field.width; j++) {
        const at = group[j]! * L;
        for (let l = 0; l < count; l++) field.data[(start + l) * field.width + j] = tape.adj[at + l]!;
      }
    });
  }
}
