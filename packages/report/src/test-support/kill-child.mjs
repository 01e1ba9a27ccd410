// Child process for kill.test.ts: a minimal "training loop" over the built @pathwise/report/node
// module (path in argv[2]) that resumes from runDir (argv[3]) and writes one metrics row, one
// checkpoint and one atomic file per epoch, as fast as it can, until it is SIGKILLed.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modulePath, runDir] = process.argv.slice(2);
const report = await import(pathToFileURL(modulePath).href);
const columns = report.metricsColumns(['note']);

// The content of every file is a function of the epoch, so the parent can check that all files
// of a checkpoint come from one epoch and that none is partial.
const byteOf = (epoch) => (epoch * 31) % 251;
const paramsOf = (epoch, size = 40_000 + (epoch % 7) * 5_000) => {
  const bytes = new Uint8Array(size).fill(byteOf(epoch));
  new DataView(bytes.buffer).setUint32(0, epoch);
  return bytes;
};
const rowOf = (epoch) => ({
  epoch,
  steps: epoch * 10,
  reward: -1 / epoch,
  best_reward: -1 / epoch,
  wall_s: epoch / 10,
  actor_loss: Number.NaN,
  critic_loss: epoch / 3,
  actor_lr: 1e-3,
  critic_lr: 1e-3,
  note: `epoch "${epoch}", ok`,
});

const checkpoint = report.readCheckpoint(runDir);
let epoch = checkpoint === undefined ? 0 : JSON.parse(checkpoint['state.json']).epoch;
const metrics = report.MetricsWriter.resume(runDir, columns, epoch);
process.stdout.write(`resumed ${epoch}\n`);
for (;;) {
  epoch += 1;
  metrics.append(rowOf(epoch)); // before the checkpoint, so a checkpointed epoch always has its row
  report.writeCheckpoint(runDir, {
    'state.json': JSON.stringify({ epoch }),
    'params.bin': paramsOf(epoch),
    'notes.txt': `epoch ${epoch}\n`.repeat(1 + (epoch % 50)),
  });
  // Large, so a non-atomic write would be caught half-done by some kill.
  report.writeFileAtomic(join(runDir, 'blob.bin'), paramsOf(epoch, 4_000_000));
}
