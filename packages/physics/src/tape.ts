// A reverse-mode tape over batch-wide elementwise operations. Every node is a vector of `lanes`
// float64 values (one per simulated env of a chunk); recording an operation computes it at once for
// every lane, and `backward` replays the records in reverse. The simulator is written once against
// this tape: the forward pass records, the gradient replays. Per node the cost is one method call
// and one loop over the lanes, so nothing is allocated per scalar and the per-op overhead is
// amortised over the chunk.

const enum Op {
  Input,
  Add,
  Sub,
  Mul,
  Div,
  Neg,
  AddC,
  MulC,
  /** a·b + c */
  Fma,
  /** c − a·b */
  Fnma,
  /** k0·a + k1·b + k2 */
  Lin2,
  /** k0·a + k1·b + k2·c + k3 */
  Lin3,
  Sin,
  Cos,
  Sqrt,
  /** max(a, k0) */
  MaxC,
  /** min(a, k0) */
  MinC,
  Min,
}

/** A node of the tape: an index. */
export type Node = number;

/** The node that holds 0 in every lane (made by `reset`); operations on it are folded away. */
export const ZERO: Node = 0;
/** The node that holds 1 in every lane. */
export const ONE: Node = 1;

export class Tape {
  readonly lanes: number;
  /** Values, node-major: node n's lane l is at `n * lanes + l`. */
  val: Float64Array;
  /** Adjoints, same layout, valid after `backward`. */
  adj: Float64Array;
  private code: Uint8Array;
  private in0: Int32Array;
  private in1: Int32Array;
  private in2: Int32Array;
  private k0: Float64Array;
  private k1: Float64Array;
  private k2: Float64Array;
  private k3: Float64Array;
  size = 0;
  private capacity: number;

  constructor(lanes: number, capacity = 4096) {
    this.lanes = lanes;
    this.capacity = capacity;
    this.val = new Float64Array(capacity * lanes);
    this.adj = new Float64Array(0);
    this.code = new Uint8Array(capacity);
    this.in0 = new Int32Array(capacity);
    this.in1 = new Int32Array(capacity);
    this.in2 = new Int32Array(capacity);
    this.k0 = new Float64Array(capacity);
    this.k1 = new Float64Array(capacity);
    this.k2 = new Float64Array(capacity);
    this.k3 = new Float64Array(capacity);
    this.reset();
  }

  /** Forgets every node but ZERO and ONE. */
  reset(): void {
    this.size = 0;
    this.input();
    this.input();
    const L = this.lanes;
    this.val.fill(0, 0, L);
    this.val.fill(1, L, 2 * L);
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const L = this.lanes;
    const val = new Float64Array(capacity * L);
    val.set(this.val.subarray(0, this.size * L));
    this.val = val;
    const copyI = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    const copyF = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const code = new Uint8Array(capacity);
    code.set(this.code);
    this.code = code;
    this.in0 = copyI(this.in0);
    this.in1 = copyI(this.in1);
    this.in2 = copyI(this.in2);
    this.k0 = copyF(this.k0);
    this.k1 = copyF(this.k1);
    this.k2 = copyF(this.k2);
    this.k3 = copyF(this.k3);
    this.capacity = capacity;
  }

  private push(op: Op, a: Node, b: Node, c: Node, k0: number, k1: number, k2: number, k3: number): Node {
    if (this.size === this.capacity) this.grow();
    const n = this.size++;
    this.code[n] = op;
    this.in0[n] = a;
    this.in1[n] = b;
    this.in2[n] = c;
    this.k0[n] = k0;
    this.k1[n] = k1;
    this.k2[n] = k2;
    this.k3[n] = k3;
    return n;
  }

  /** A node whose lanes the caller fills (`val[node * lanes + lane]`). */
  input(): Node {
    return this.push(Op.Input, 0, 0, 0, 0, 0, 0, 0);
  }

  /** A constant (an input node filled with `value`). */
  constant(value: number): Node {
    if (value === 0) return ZERO;
    if (value === 1) return ONE;
    const n = this.input();
    this.val.fill(value, n * this.lanes, (n + 1) * this.lanes);
    return n;
  }

  add(a: Node, b: Node): Node {
    if (a === ZERO) return b;
    if (b === ZERO) return a;
    const n = this.push(Op.Add, a, b, 0, 0, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L,
      y = b * L;
    for (let l = 0; l < L; l++) v[o + l] = v[x + l]! + v[y + l]!;
    return n;
  }

  sub(a: Node, b: Node): Node {
    if (b === ZERO) return a;
    if (a === ZERO) return this.neg(b);
    const n = this.push(Op.Sub, a, b, 0, 0, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L,
      y = b * L;
    for (let l = 0; l < L; l++) v[o + l] = v[x + l]! - v[y + l]!;
    return n;
  }

  mul(a: Node, b: Node): Node {
    if (a === ZERO || b === ZERO) return ZERO;
    if (a === ONE) return b;
    if (b === ONE) return a;
    const n = this.push(Op.Mul, a, b, 0, 0, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L,
      y = b * L;
    for (let l = 0; l < L; l++) v[o + l] = v[x + l]! * v[y + l]!;
    return n;
  }

  div(a: Node, b: Node): Node {
    if (a === ZERO) return ZERO;
    if (b === ONE) return a;
    const n = this.push(Op.Div, a, b, 0, 0, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L,
      y = b * L;
    for (let l = 0; l < L; l++) v[o + l] = v[x + l]! / v[y + l]!;
    return n;
  }

  neg(a: Node): Node {
    if (a === ZERO) return ZERO;
    const n = this.push(Op.Neg, a, 0, 0, 0, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L;
    for (let l = 0; l < L; l++) v[o + l] = -v[x + l]!;
    return n;
  }

  addc(a: Node, k: number): Node {
    if (k === 0) return a;
    if (a === ZERO) return this.constant(k);
    const n = this.push(Op.AddC, a, 0, 0, k, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L;
    for (let l = 0; l < L; l++) v[o + l] = v[x + l]! + k;
    return n;
  }

  mulc(a: Node, k: number): Node {
    if (k === 0 || a === ZERO) return ZERO;
    if (k === 1) return a;
    if (a === ONE) return this.constant(k);
    const n = this.push(Op.MulC, a, 0, 0, k, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L;
    for (let l = 0; l < L; l++) v[o + l] = v[x + l]! * k;
    return n;
  }

  /** a·b + c */
  fma(a: Node, b: Node, c: Node): Node {
    if (a === ZERO || b === ZERO) return c;
    if (c === ZERO) return this.mul(a, b);
    if (a === ONE) return this.add(b, c);
    if (b === ONE) return this.add(a, c);
    const n = this.push(Op.Fma, a, b, c, 0, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L,
      y = b * L,
      z = c * L;
    for (let l = 0; l < L; l++) v[o + l] = v[x + l]! * v[y + l]! + v[z + l]!;
    return n;
  }

  /** c − a·b */
  fnma(a: Node, b: Node, c: Node): Node {
    if (a === ZERO || b === ZERO) return c;
    if (c === ZERO) return this.neg(this.mul(a, b));
    if (a === ONE) return this.sub(c, b);
    if (b === ONE) return this.sub(c, a);
    const n = this.push(Op.Fnma, a, b, c, 0, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L,
      y = b * L,
      z = c * L;
    for (let l = 0; l < L; l++) v[o + l] = v[z + l]! - v[x + l]! * v[y + l]!;
    return n;
  }

  /** k0·a + k1·b + k2 */
  lin2(a: Node, b: Node, k0: number, k1: number, k2 = 0): Node {
    if (a === ZERO || k0 === 0) return this.addc(this.mulc(b, k1), k2);
    if (b === ZERO || k1 === 0) return this.addc(this.mulc(a, k0), k2);
    const n = this.push(Op.Lin2, a, b, 0, k0, k1, k2, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L,
      y = b * L;
    for (let l = 0; l < L; l++) v[o + l] = k0 * v[x + l]! + k1 * v[y + l]! + k2;
    return n;
  }

  /** k0·a + k1·b + k2·c + k3 */
  lin3(a: Node, b: Node, c: Node, k0: number, k1: number, k2: number, k3 = 0): Node {
    if (c === ZERO || k2 === 0) return this.lin2(a, b, k0, k1, k3);
    if (a === ZERO || k0 === 0) return this.lin2(b, c, k1, k2, k3);
    if (b === ZERO || k1 === 0) return this.lin2(a, c, k0, k2, k3);
    const n = this.push(Op.Lin3, a, b, c, k0, k1, k2, k3);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L,
      y = b * L,
      z = c * L;
    for (let l = 0; l < L; l++) v[o + l] = k0 * v[x + l]! + k1 * v[y + l]! + k2 * v[z + l]! + k3;
    return n;
  }

  sin(a: Node): Node {
    const n = this.push(Op.Sin, a, 0, 0, 0, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L;
    for (let l = 0; l < L; l++) v[o + l] = Math.sin(v[x + l]!);
    return n;
  }

  cos(a: Node): Node {
    const n = this.push(Op.Cos, a, 0, 0, 0, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L;
    for (let l = 0; l < L; l++) v[o + l] = Math.cos(v[x + l]!);
    return n;
  }

  sqrt(a: Node): Node {
    const n = this.push(Op.Sqrt, a, 0, 0, 0, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L;
    for (let l = 0; l < L; l++) v[o + l] = Math.sqrt(v[x + l]!);
    return n;
  }

  /** max(a, k) (the gradient passes where a > k). */
  maxc(a: Node, k: number): Node {
    const n = this.push(Op.MaxC, a, 0, 0, k, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L;
    for (let l = 0; l < L; l++) {
      const y = v[x + l]!;
      v[o + l] = y > k ? y : k;
    }
    return n;
  }

  /** min(a, k) (the gradient passes where a < k). */
  minc(a: Node, k: number): Node {
    const n = this.push(Op.MinC, a, 0, 0, k, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L;
    for (let l = 0; l < L; l++) {
      const y = v[x + l]!;
      v[o + l] = y < k ? y : k;
    }
    return n;
  }

  /** min(a, b) (the gradient goes to a where a ≤ b). */
  min(a: Node, b: Node): Node {
    const n = this.push(Op.Min, a, b, 0, 0, 0, 0, 0);
    const L = this.lanes,
      v = this.val,
      o = n * L,
      x = a * L,
      y = b * L;
    for (let l = 0; l < L; l++) {
      const p = v[x + l]!,
        q = v[y + l]!;
      v[o + l] = p <= q ? p : q;
    }
    return n;
  }

  /**
   * Recomputes every node from the current values of the input nodes, in recording order: the same
   * computation as recording it again, without the JavaScript that built it (the graph of a step does
   * not depend on the values, only on the model). Constants keep the values they were recorded with.
   */
  forward(): void {
    const L = this.lanes,
      v = this.val;
    const code = this.code,
      in0 = this.in0,
      in1 = this.in1,
      in2 = this.in2,
      K0 = this.k0,
      K1 = this.k1,
      K2 = this.k2,
      K3 = this.k3;
    const size = this.size;
    for (let n = 2; n < size; n++) {
      const op = code[n]! as Op;
      if (op === Op.Input) continue;
      const o = n * L,
        x = in0[n]! * L,
        y = in1[n]! * L,
        z = in2[n]! * L;
      switch (op) {
        case Op.Add:
          for (let l = 0; l < L; l++) v[o + l] = v[x + l]! + v[y + l]!;
          break;
        case Op.Sub:
          for (let l = 0; l < L; l++) v[o + l] = v[x + l]! - v[y + l]!;
          break;
        case Op.Mul:
          for (let l = 0; l < L; l++) v[o + l] = v[x + l]! * v[y + l]!;
          break;
        case Op.Div:
          for (let l = 0; l < L; l++) v[o + l] = v[x + l]! / v[y + l]!;
          break;
        case Op.Neg:
          for (let l = 0; l < L; l++) v[o + l] = -v[x + l]!;
          break;
        case Op.AddC: {
          const k = K0[n]!;
          for (let l = 0; l < L; l++) v[o + l] = v[x + l]! + k;
          break;
        }
        case Op.MulC: {
          const k = K0[n]!;
          for (let l = 0; l < L; l++) v[o + l] = v[x + l]! * k;
          break;
        }
        case Op.Fma:
          for (let l = 0; l < L; l++) v[o + l] = v[x + l]! * v[y + l]! + v[z + l]!;
          break;
        case Op.Fnma:
          for (let l = 0; l < L; l++) v[o + l] = v[z + l]! - v[x + l]! * v[y + l]!;
          break;
        case Op.Lin2: {
          const k0 = K0[n]!,
            k1 = K1[n]!,
            k2 = K2[n]!;
          for (let l = 0; l < L; l++) v[o + l] = k0 * v[x + l]! + k1 * v[y + l]! + k2;
          break;
        }
        case Op.Lin3: {
          const k0 = K0[n]!,
            k1 = K1[n]!,
            k2 = K2[n]!,
            k3 = K3[n]!;
          for (let l = 0; l < L; l++) v[o + l] = k0 * v[x + l]! + k1 * v[y + l]! + k2 * v[z + l]! + k3;
          break;
        }
        case Op.Sin:
          for (let l = 0; l < L; l++) v[o + l] = Math.sin(v[x + l]!);
          break;
        case Op.Cos:
          for (let l = 0; l < L; l++) v[o + l] = Math.cos(v[x + l]!);
          break;
        case Op.Sqrt:
          for (let l = 0; l < L; l++) v[o + l] = Math.sqrt(v[x + l]!);
          break;
        case Op.MaxC: {
          const k = K0[n]!;
          for (let l = 0; l < L; l++) {
            const a = v[x + l]!;
            v[o + l] = a > k ? a : k;
          }
          break;
        }
        case Op.MinC: {
          const k = K0[n]!;
          for (let l = 0; l < L; l++) {
            const a = v[x + l]!;
            v[o + l] = a < k ? a : k;
          }
          break;
        }
        case Op.Min:
          for (let l = 0; l < L; l++) {
            const a = v[x + l]!,
              b = v[y + l]!;
            v[o + l] = a <= b ? a : b;
          }
          break;
      }
    }
  }

  /** Zeroes the adjoints; the caller then seeds output adjoints (`adj[node * lanes + lane]`) and calls `backward`. */
  clearAdjoints(): void {
    const need = this.size * this.lanes;
    if (this.adj.length < need) this.adj = new Float64Array(this.val.length);
    else this.adj.fill(0, 0, need);
  }

  /** Propagates the seeded adjoints to every node, inputs included. */
  backward(): void {
    const L = this.lanes,
      v = this.val,
      g = this.adj;
    const code = this.code,
      in0 = this.in0,
      in1 = this.in1,
      in2 = this.in2,
      K0 = this.k0,
      K1 = this.k1,
      K2 = this.k2;
    for (let n = this.size - 1; n >= 2; n--) {
      const op = code[n]! as Op;
      if (op === Op.Input) continue;
      const o = n * L,
        x = in0[n]! * L,
        y = in1[n]! * L,
        z = in2[n]! * L;
      switch (op) {
        case Op.Add:
          for (let l = 0; l < L; l++) {
            const d = g[o + l]!;
            g[x + l] = g[x + l]! + d;
            g[y + l] = g[y + l]! + d;
          }
          break;
        case Op.Sub:
          for (let l = 0; l < L; l++) {
            const d = g[o + l]!;
            g[x + l] = g[x + l]! + d;
            g[y + l] = g[y + l]! - d;
          }
          break;
        case Op.Mul:
          for (let l = 0; l < L; l++) {
            const d = g[o + l]!;
            const a = v[x + l]!,
              b = v[y + l]!;
            g[x + l] = g[x + l]! + d * b;
            g[y + l] = g[y + l]! + d * a;
          }
          break;
        case Op.Div:
          for (let l = 0; l < L; l++) {
            const d = g[o + l]! / v[y + l]!;
            g[x + l] = g[x + l]! + d;
            g[y + l] = g[y + l]! - d * v[o + l]!;
          }
          break;
        case Op.Neg:
          for (let l = 0; l < L; l++) g[x + l] = g[x + l]! - g[o + l]!;
          break;
        case Op.AddC:
          for (let l = 0; l < L; l++) g[x + l] = g[x + l]! + g[o + l]!;
          break;
        case Op.MulC: {
          const k = K0[n]!;
          for (let l = 0; l < L; l++) g[x + l] = g[x + l]! + g[o + l]! * k;
          break;
        }
        case Op.Fma:
          for (let l = 0; l < L; l++) {
            const d = g[o + l]!;
            const a = v[x + l]!,
              b = v[y + l]!;
            g[x + l] = g[x + l]! + d * b;
            g[y + l] = g[y + l]! + d * a;
            g[z + l] = g[z + l]! + d;
          }
          break;
        case Op.Fnma:
          for (let l = 0; l < L; l++) {
            const d = g[o + l]!;
            const a = v[x + l]!,
              b = v[y + l]!;
            g[x + l] = g[x + l]! - d * b;
            g[y + l] = g[y + l]! - d * a;
            g[z + l] = g[z + l]! + d;
          }
          break;
        case Op.Lin2: {
          const k0 = K0[n]!,
            k1 = K1[n]!;
          for (let l = 0; l < L; l++) {
            const d = g[o + l]!;
            g[x + l] = g[x + l]! + d * k0;
            g[y + l] = g[y + l]! + d * k1;
          }
          break;
        }
        case Op.Lin3: {
          const k0 = K0[n]!,
            k1 = K1[n]!,
            k2 = K2[n]!;
          for (let l = 0; l < L; l++) {
            const d = g[o + l]!;
            g[x + l] = g[x + l]! + d * k0;
            g[y + l] = g[y + l]! + d * k1;
            g[z + l] = g[z + l]! + d * k2;
          }
          break;
        }
        case Op.Sin:
          for (let l = 0; l < L; l++) g[x + l] = g[x + l]! + g[o + l]! * Math.cos(v[x + l]!);
          break;
        case Op.Cos:
          for (let l = 0; l < L; l++) g[x + l] = g[x + l]! - g[o + l]! * Math.sin(v[x + l]!);
          break;
        case Op.Sqrt:
          for (let l = 0; l < L; l++) {
            const r = v[o + l]!;
            if (r > 0) g[x + l] = g[x + l]! + (0.5 * g[o + l]!) / r;
          }
          break;
        case Op.MaxC: {
          const k = K0[n]!;
          for (let l = 0; l < L; l++) if (v[x + l]! > k) g[x + l] = g[x + l]! + g[o + l]!;
          break;
        }
        case Op.MinC: {
          const k = K0[n]!;
          for (let l = 0; l < L; l++) if (v[x + l]! < k) g[x + l] = g[x + l]! + g[o + l]!;
          break;
        }
        case Op.Min:
          for (let l = 0; l < L; l++) {
            if (v[x + l]! <= v[y + l]!) g[x + l] = g[x + l]! + g[o + l]!;
            else g[y + l] = g[y + l]! + g[o + l]!;
          }
          break;
      }
    }
  }
}
