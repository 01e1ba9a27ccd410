import { tf } from '@pathwise/core';
import type { BackwardContext, Message, TapeNode } from './types.js';

/** Sums two messages field by field (the merge rule of backward messages) into new tensors; disposes neither. */
export function mergeMessages(a: Message | undefined, b: Message): Message {
  const add = (x?: tf.Tensor, y?: tf.Tensor) => (x === undefined ? (y === undefined ? undefined : tf.clone(y)) : y === undefined ? tf.clone(x) : tf.add(x, y));
  const dx = add(a?.dx, b.dx);
  const returnToGo = add(a?.returnToGo, b.returnToGo);
  return { ...(dx ? { dx } : {}), ...(returnToGo ? { returnToGo } : {}) };
}

export interface TapeResult {
  /** ∂Ĵ/∂θ, one tensor per parameter. */
  gradients: tf.Tensor[];
  /** Diagnostics per name, in node order (forward order). */
  diagnostics: Record<string, tf.Tensor>;
}

/**
 * The tape: nodes in forward order, a reverse loop, relative addressing of messages (out-of-range
 * targets are dropped: x_0 does not depend on θ) and summation as the merge rule. Each node's
 * backward runs in its own tidy scope so long horizons keep O(1) live intermediate tensors.
 */
export class ParticleTape {
  private readonly nodes: TapeNode[] = [];

  push(node: TapeNode): void {
    this.nodes.push(node);
  }

  get length(): number {
    return this.nodes.length;
  }

  backward(context: BackwardContext): TapeResult {
    const inboxes = new Map<number, Message>();
    let gradients: tf.Tensor[] = context.system.params.map((p) => tf.zerosLike(p));
    const diagnostics: Record<string, tf.Tensor[]> = {};
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const inbox = inboxes.get(i) ?? {};
      inboxes.delete(i);
      const node = this.nodes[i]!;
      type NodeStep = { merged: Array<{ target: number; message: Message | undefined }>; summed: tf.Tensor[] | undefined; diagnostics: Record<string, tf.Scalar> };
      const out = tf.tidy((): tf.TensorContainer => {
        const outbox = node.backward(inbox, context);
        const merged = outbox.sends.map(({ to, message }) => {
          const target = i + (to ?? -1);
          return { target, message: target >= 0 && target < i ? mergeMessages(inboxes.get(target), message) : undefined };
        });
        const summed = outbox.gradients ? gradients.map((g, k) => tf.add(g, outbox.gradients![k]!)) : undefined;
        const step: NodeStep = { merged, summed, diagnostics: outbox.diagnostics ?? {} };
        return step as unknown as tf.TensorContainer;
      }) as unknown as NodeStep;
      disposeMessage(inbox);
      for (const { target, message } of out.merged) {
        if (message === undefined) continue;
        disposeMessage(inboxes.get(target));
        inboxes.set(target, message);
      }
      if (out.summed) {
        tf.dispose(gradients);
        gradients = out.summed;
      }
      for (const [name, value] of Object.entries(out.diagnostics)) (diagnostics[name] ??= []).unshift(value);
    }
    for (const message of inboxes.values()) disposeMessage(message);
    const stacked: Record<string, tf.Tensor> = {};
    for (const [name, values] of Object.entries(diagnostics)) {
      stacked[name] = tf.stack(values);
      tf.dispose(values);
    }
    return { gradients, diagnostics: stacked };
  }

  dispose(): void {
    for (const node of this.nodes) node.dispose();
    this.nodes.length = 0;
  }
}

function disposeMessage(message: Message | undefined): void {
  if (message === undefined) return;
  if (message.dx) message.dx.dispose();
  if (message.returnToGo) message.returnToGo.dispose();
}
