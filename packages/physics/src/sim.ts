import { ONE, ZERO, type Node, type Tape } from './tape.js';
import type { Link, Model } from './model.js';

// One control step of an articulated model, recorded on a tape: semi-implicit Euler over
// `substeps` substeps in reduced coordinates, as dflex's SemiImplicitIntegrator does.
//
// Every spatial quantity is in world Plücker coordinates at the world origin (angular part first), so
// that the composite-rigid-body mass matrix and the recursive Newton–Euler bias forces are sums along
// the tree, with no per-link coordinate changes:
//   - a dof's motion subspace S = (s, o × s) for a hinge of world axis s through o, (0, s) for a slide;
//   - a link's spatial inertia is (m, h = m c, J = R I Rᵀ + m(|c|² 1 − c cᵀ)), so I·(ω, v) = (J ω + h × v, m v + ω × h);
//   - mass matrix (CRBA): M_jk = S_jᵀ I^c_k S_k, with I^c the composite inertia of the subtree of k's link;
//   - bias (RNEA): per link F = I A + V ×* I V with A the acceleration at q̈ = 0 (gravity as a base
//     acceleration), minus the contact wrenches; C_k = S_kᵀ Σ_subtree F.
// Then q̈ = M⁻¹(τ − C) with τ = gear·ctrl − damping·q̇ + limit penalties, by a dense Cholesky
// factorisation (done once per `massMatrixEvery` substeps, as dflex's MM_caching_frequency).

export interface StepOptions {
  /** Control step (s). */
  dt: number;
  substeps: number;
  /** Recompute the mass matrix and its factorisation every this many substeps (dflex's MM_caching_frequency). */
  massMatrixEvery: number;
  /** Ground contact on/off. */
  contacts: boolean;
  /** Joint-limit penalties on/off. */
  limits: boolean;
}

type V3 = [Node, Node, Node];

/** A spatial vector (angular; linear) of nodes. */
interface Spatial {
  w: V3;
  v: V3;
}

const Z3: V3 = [ZERO, ZERO, ZERO];

interface LinkKinematics {
  R: Node[];
  p: V3;
  /** Motion subspace of each of the link's dofs. */
  S: Spatial[];
}

/** Small vector helpers on a tape. */
class Ops {
  constructor(readonly t: Tape) {}

  cross(a: V3, b: V3): V3 {
    const t = this.t;
    return [t.fnma(a[2], b[1], t.mul(a[1], b[2])), t.fnma(a[0], b[2], t.mul(a[2], b[0])), t.fnma(a[1], b[0], t.mul(a[0], b[1]))];
  }

  add(a: V3, b: V3): V3 {
    return [this.t.add(a[0], b[0]), this.t.add(a[1], b[1]), this.t.add(a[2], b[2])];
  }

  sub(a: V3, b: V3): V3 {
    return [this.t.sub(a[0], b[0]), this.t.sub(a[1], b[1]), this.t.sub(a[2], b[2])];
  }

  /** a + b·k for a node k. */
  addScaled(a: V3, b: V3, k: Node): V3 {
    return [this.t.fma(b[0], k, a[0]), this.t.fma(b[1], k, a[1]), this.t.fma(b[2], k, a[2])];
  }

  dot(a: V3, b: V3): Node {
    const t = this.t;
    return t.fma(a[2], b[2], t.fma(a[1], b[1], t.mul(a[0], b[0])));
  }

  /** R·c for a constant vector c. */
  rotateConst(R: Node[], c: readonly number[]): V3 {
    const t = this.t;
    return [t.lin3(R[0]!, R[1]!, R[2]!, c[0]!, c[1]!, c[2]!), t.lin3(R[3]!, R[4]!, R[5]!, c[0]!, c[1]!, c[2]!), t.lin3(R[6]!, R[7]!, R[8]!, c[0]!, c[1]!, c[2]!)];
  }

  /** p + R·c for a constant vector c. */
  transformConst(R: Node[], p: V3, c: readonly number[]): V3 {
    const r = this.rotateConst(R, c);
    return this.add(p, r);
  }

  /** A·B for node matrices (row-major 3×3). */
  matMul(A: Node[], B: Node[]): Node[] {
    const t = this.t;
    const out: Node[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out.push(t.fma(A[i * 3 + 2]!, B[6 + j]!, t.fma(A[i * 3 + 1]!, B[3 + j]!, t.mul(A[i * 3]!, B[j]!))));
    return out;
  }

  /** A·C for a constant matrix C. */
  matMulConst(A: Node[], C: readonly number[]): Node[] {
    const t = this.t;
    const out: Node[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out.push(t.lin3(A[i * 3]!, A[i * 3 + 1]!, A[i * 3 + 2]!, C[j]!, C[3 + j]!, C[6 + j]!));
    return out;
  }

  spatialDot(a: Spatial, b: Spatial): Node {
    return this.t.add(this.dot(a.w, b.w), this.dot(a.v, b.v));
  }

  /** Motion cross product a ×m b. */
  crossMotion(a: Spatial, b: Spatial): Spatial {
    return { w: this.cross(a.w, b.w), v: this.add(this.cross(a.w, b.v), this.cross(a.v, b.w)) };
  }

  /** Force cross product a ×* f. */
  crossForce(a: Spatial, f: Spatial): Spatial {
    return { w: this.add(this.cross(a.w, f.w), this.cross(a.v, f.v)), v: this.cross(a.w, f.v) };
  }
}

/** Spatial inertia (m, h, J) in world Plücker coordinates; J symmetric as [xx, yy, zz, xy, xz, yz]. */
interface Inertia {
  m: Node;
  h: V3;
  J: Node[];
}

function applyInertia(o: Ops, I: Inertia, a: Spatial): Spatial {
  const t = o.t;
  const [w0, w1, w2] = a.w;
  const J = I.J;
  const Jw: V3 = [t.fma(J[4]!, w2, t.fma(J[3]!, w1, t.mul(J[0]!, w0))), t.fma(J[5]!, w2, t.fma(J[1]!, w1, t.mul(J[3]!, w0))), t.fma(J[2]!, w2, t.fma(J[5]!, w1, t.mul(J[4]!, w0)))];
  const lin: V3 = [t.mul(I.m, a.v[0]), t.mul(I.m, a.v[1]), t.mul(I.m, a.v[2])];
  return { w: o.add(Jw, o.cross(I.h, a.v)), v: o.add(lin, o.cross(a.w, I.h)) };
}

function linkInertia(o: Ops, link: Link, R: Node[], p: V3): Inertia {
  const t = o.t;
  const m = link.mass;
  const c = o.transformConst(R, p, link.com);
  const h: V3 = [t.mulc(c[0], m), t.mulc(c[1], m), t.mulc(c[2], m)];
  // R I Rᵀ, then the parallel-axis shift to the world origin.
  const X = o.matMulConst(R, link.inertia);
  const rowDot = (i: number, j: number) => t.fma(X[i * 3 + 2]!, R[j * 3 + 2]!, t.fma(X[i * 3 + 1]!, R[j * 3 + 1]!, t.mul(X[i * 3]!, R[j * 3]!)));
  const cc = [t.mul(c[0], c[0]), t.mul(c[1], c[1]), t.mul(c[2], c[2])];
  const J = [
    t.add(rowDot(0, 0), t.mulc(t.add(cc[1]!, cc[2]!), m)),
    t.add(rowDot(1, 1), t.mulc(t.add(cc[0]!, cc[2]!), m)),
    t.add(rowDot(2, 2), t.mulc(t.add(cc[0]!, cc[1]!), m)),
    t.fnma(h[0], c[1], rowDot(0, 1)),
    t.fnma(h[0], c[2], rowDot(0, 2)),
    t.fnma(h[1], c[2], rowDot(1, 2)),
  ];
  return { m: t.constant(m), h, J };
}

function addInertia(t: Tape, a: Inertia, b: Inertia): Inertia {
  return { m: t.add(a.m, b.m), h: [t.add(a.h[0], b.h[0]), t.add(a.h[1], b.h[1]), t.add(a.h[2], b.h[2])], J: a.J.map((x, i) => t.add(x, b.J[i]!)) };
}

/** Forward kinematics of every link: world rotation, origin and dof motion subspaces. */
function kinematics(o: Ops, model: Model, q: Node[]): LinkKinematics[] {
  const t = o.t;
  const identity = [ONE, ZERO, ZERO, ZERO, ONE, ZERO, ZERO, ZERO, ONE];
  const out: LinkKinematics[] = [];
  for (const link of model.links) {
    const parent = link.parent >= 0 ? out[link.parent]! : { R: identity, p: Z3 };
    if (link.joint === 'free') {
      const [w, x, y, z] = [q[link.qAdr + 3]!, q[link.qAdr + 4]!, q[link.qAdr + 5]!, q[link.qAdr + 6]!];
      const xx = t.mul(x, x),
        yy = t.mul(y, y),
        zz = t.mul(z, z);
      const xy = t.mul(x, y),
        xz = t.mul(x, z),
        yz = t.mul(y, z);
      const wx = t.mul(w, x),
        wy = t.mul(w, y),
        wz = t.mul(w, z);
      const R = [
        t.lin2(yy, zz, -2, -2, 1),
        t.lin2(xy, wz, 2, -2),
        t.lin2(xz, wy, 2, 2),
        t.lin2(xy, wz, 2, 2),
        t.lin2(xx, zz, -2, -2, 1),
        t.lin2(yz, wx, 2, -2),
        t.lin2(xz, wy, 2, -2),
        t.lin2(yz, wx, 2, 2),
        t.lin2(xx, yy, -2, -2, 1),
      ];
      const p: V3 = [q[link.qAdr]!, q[link.qAdr + 1]!, q[link.qAdr + 2]!];
      const S: Spatial[] = [
        { w: Z3, v: [ONE, ZERO, ZERO] },
        { w: Z3, v: [ZERO, ONE, ZERO] },
        { w: Z3, v: [ZERO, ZERO, ONE] },
      ];
      for (let k = 0; k < 3; k++) {
        const s: V3 = [R[k]!, R[3 + k]!, R[6 + k]!];
        S.push({ w: s, v: o.cross(p, s) });
      }
      out.push({ R, p, S });
      continue;
    }
    const O = link.offsetRot;
    const a = link.axis;
    const sLocal = [O[0] * a[0] + O[1] * a[1] + O[2] * a[2], O[3] * a[0] + O[4] * a[1] + O[5] * a[2], O[6] * a[0] + O[7] * a[1] + O[8] * a[2]];
    const s = o.rotateConst(parent.R, sLocal);
    const qn = q[link.qAdr]!;
    if (link.joint === 'slide') {
      const R = o.matMulConst(parent.R, O);
      const p = o.addScaled(o.transformConst(parent.R, parent.p, link.offsetPos), s, qn);
      out.push({ R, p, S: [{ w: Z3, v: s }] });
      continue;
    }
    // Hinge: M = O · Rot(a, q), each entry affine in (cos q, sin q).
    const c = t.cos(qn);
    const sn = t.sin(qn);
    const skew = [0, -a[2], a[1], a[2], 0, -a[0], -a[1], a[0], 0];
    const M: Node[] = [];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let kc = 0,
          ks = 0,
          k0 = 0;
        for (let k = 0; k < 3; k++) {
          const oik = O[i * 3 + k]!;
          const aa = a[k]! * a[j]!;
          kc += oik * ((k === j ? 1 : 0) - aa);
          ks += oik * skew[k * 3 + j]!;
          k0 += oik * aa;
        }
        M.push(t.lin2(c, sn, kc, ks, k0));
      }
    }
    const R = link.parent >= 0 ? o.matMul(parent.R, M) : M;
    const b = [0, 1, 2].map((i) => link.offsetPos[i]! + O[i * 3]! * link.anchor[0] + O[i * 3 + 1]! * link.anchor[1] + O[i * 3 + 2]! * link.anchor[2]);
    const anchor = o.transformConst(parent.R, parent.p, b);
    const p = o.sub(anchor, o.rotateConst(R, link.anchor));
    out.push({ R, p, S: [{ w: s, v: o.cross(anchor, s) }] });
  }
  return out;
}

/** Dense Cholesky M = L Lᵀ (lower, row-major n×n); returns L and the reciprocals of its diagonal. */
function cholesky(t: Tape, M: Node[], n: number): { L: Node[]; invDiag: Node[] } {
  const L: Node[] = new Array<Node>(n * n).fill(ZERO);
  const invDiag: Node[] = [];
  for (let j = 0; j < n; j++) {
    let d = M[j * n + j]!;
    for (let k = 0; k < j; k++) d = t.fnma(L[j * n + k]!, L[j * n + k]!, d);
    const r = t.sqrt(d);
    L[j * n + j] = r;
    const inv = t.div(ONE, r);
    invDiag.push(inv);
    for (let i = j + 1; i < n; i++) {
      let s = M[i * n + j]!;
      for (let k = 0; k < j; k++) s = t.fnma(L[i * n + k]!, L[j * n + k]!, s);
      L[i * n + j] = t.mul(s, inv);
    }
  }
  return { L, invDiag };
}

function choleskySolve(t: Tape, f: { L: Node[]; invDiag: Node[] }, b: Node[], n: number): Node[] {
  const { L, invDiag } = f;
  const y: Node[] = [];
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s = t.fnma(L[i * n + k]!, y[k]!, s);
    y.push(t.mul(s, invDiag[i]!));
  }
  const x: Node[] = new Array<Node>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s = t.fnma(L[k * n + i]!, x[k]!, s);
    x[i] = t.mul(s, invDiag[i]!);
  }
  return x;
}

/** The mass matrix (CRBA on composite inertias) plus armature, row-major nv×nv. */
function massMatrix(o: Ops, model: Model, kin: LinkKinematics[]): Node[] {
  const t = o.t;
  const n = model.nv;
  const links = model.links;
  const composite: (Inertia | undefined)[] = links.map((link, i) => (link.mass > 0 ? linkInertia(o, link, kin[i]!.R, kin[i]!.p) : undefined));
  for (let i = links.length - 1; i >= 0; i--) {
    const parent = links[i]!.parent;
    const own = composite[i];
    if (parent < 0 || own === undefined) continue;
    const up = composite[parent];
    composite[parent] = up === undefined ? own : addInertia(t, up, own);
  }
  const M: Node[] = new Array<Node>(n * n).fill(ZERO);
  links.forEach((link, i) => {
    const Ic = composite[i];
    kin[i]!.S.forEach((Sk, a) => {
      const k = link.dofAdr + a;
      const F = Ic === undefined ? undefined : applyInertia(o, Ic, Sk);
      // Own dofs up to k, then every ancestor's.
      let j = i;
      let upTo = a;
      while (j >= 0) {
        const lj = links[j]!;
        for (let b = 0; b <= upTo; b++) {
          const value = F === undefined ? ZERO : o.spatialDot(kin[j]!.S[b]!, F);
          const r = lj.dofAdr + b;
          M[r * n + k] = value;
          M[k * n + r] = value;
        }
        j = lj.parent;
        if (j >= 0) upTo = kin[j]!.S.length - 1;
      }
    });
  });
  for (let k = 0; k < n; k++) M[k * n + k] = t.addc(M[k * n + k]!, model.dofs[k]!.armature);
  return M;
}

/** Records one control step; returns the new coordinates and velocities. */
export function recordStep(t: Tape, model: Model, q0: Node[], qd0: Node[], ctrl: Node[], options: StepOptions): { q: Node[]; qd: Node[] } {
  const o = new Ops(t);
  const { nv } = model;
  const h = options.dt / options.substeps;
  const links = model.links;
  const gravityAccel: Spatial = { w: Z3, v: [t.constant(-model.gravity[0]), t.constant(-model.gravity[1]), t.constant(-model.gravity[2])] };
  const { ke, kd, kf, mu } = model.contact;
  let q = normalizeQuaternions(t, model, q0);
  let qd = qd0;
  let factor: { L: Node[]; invDiag: Node[] } | undefined;
  for (let sub = 0; sub < options.substeps; sub++) {
    const kin = kinematics(o, model, q);
    if (factor === undefined || sub % options.massMatrixEvery === 0) factor = cholesky(t, massMatrix(o, model, kin), nv);
    // Velocities and bias accelerations down the tree.
    const V: Spatial[] = [];
    const A: Spatial[] = [];
    links.forEach((link, i) => {
      const parentV = link.parent >= 0 ? V[link.parent]! : { w: Z3, v: Z3 };
      const parentA = link.parent >= 0 ? A[link.parent]! : gravityAccel;
      let jointV: Spatial = { w: Z3, v: Z3 };
      kin[i]!.S.forEach((S, a) => {
        const rate = qd[link.dofAdr + a]!;
        jointV = { w: o.addScaled(jointV.w, S.w, rate), v: o.addScaled(jointV.v, S.v, rate) };
      });
      const v: Spatial = { w: o.add(parentV.w, jointV.w), v: o.add(parentV.v, jointV.v) };
      V.push(v);
      if (link.joint === 'free') {
        // With q̈ = 0 the body origin's velocity and the angular velocity are constant; the world-origin
        // point's velocity v_p + p × ω changes by v_p × ω.
        const vp: V3 = [qd[link.dofAdr]!, qd[link.dofAdr + 1]!, qd[link.dofAdr + 2]!];
        A.push({ w: parentA.w, v: o.add(parentA.v, o.cross(vp, v.w)) });
      } else {
        const c = o.crossMotion(parentV, jointV);
        A.push({ w: o.add(parentA.w, c.w), v: o.add(parentA.v, c.v) });
      }
    });
    // Per-link wrenches F = I A + V ×* I V, minus contact forces, summed up the tree.
    const W: Spatial[] = links.map((link, i) => {
      if (link.mass === 0) return { w: Z3, v: Z3 };
      const I = linkInertia(o, link, kin[i]!.R, kin[i]!.p);
      const IA = applyInertia(o, I, A[i]!);
      const IV = applyInertia(o, I, V[i]!);
      const x = o.crossForce(V[i]!, IV);
      return { w: o.add(IA.w, x.w), v: o.add(IA.v, x.v) };
    });
    if (options.contacts) {
      links.forEach((link, i) => {
        const { R, p } = kin[i]!;
        for (const sphere of link.contacts) {
          const world = o.transformConst(R, p, sphere.pos);
          const point: V3 = [world[0], world[1], t.addc(world[2], -sphere.radius)];
          const vel = o.add(V[i]!.v, o.cross(V[i]!.w, point));
          // dflex: depth d = min(z, 0); normal force −ke·d − kd·d·min(v_n, 0)·(−1); friction
          // −v_t·min(kf, μ·ke·|d| / |v_t|) (its smooth Coulomb branch).
          const d = t.minc(point[2], 0);
          const normal = t.mul(d, t.addc(t.mulc(t.minc(vel[2], 0), kd), -ke));
          const speed = t.sqrt(t.fma(vel[0], vel[0], t.fma(vel[1], vel[1], t.constant(1e-12))));
          const slope = t.min(t.constant(kf), t.div(t.mulc(d, -mu * ke), speed));
          const force: V3 = [t.neg(t.mul(vel[0], slope)), t.neg(t.mul(vel[1], slope)), normal];
          const w = W[i]!;
          W[i] = { w: o.sub(w.w, o.cross(point, force)), v: o.sub(w.v, force) };
        }
      });
    }
    for (let i = links.length - 1; i >= 0; i--) {
      const parent = links[i]!.parent;
      if (parent >= 0) W[parent] = { w: o.add(W[parent]!.w, W[i]!.w), v: o.add(W[parent]!.v, W[i]!.v) };
    }
    // Generalised forces.
    const rhs: Node[] = new Array<Node>(nv);
    links.forEach((link, i) => {
      kin[i]!.S.forEach((S, a) => {
        const k = link.dofAdr + a;
        const dof = model.dofs[k]!;
        let tau = t.neg(o.spatialDot(S, W[i]!));
        tau = t.fnma(t.constant(dof.damping), qd[k]!, tau);
        if (options.limits && dof.limited && model.limitKe > 0) {
          const x = q[link.qAdr]!;
          tau = t.add(tau, t.mulc(t.maxc(t.addc(t.neg(x), dof.lower), 0), model.limitKe));
          tau = t.sub(tau, t.mulc(t.maxc(t.addc(x, -dof.upper), 0), model.limitKe));
        }
        rhs[k] = tau;
      });
    });
    model.actuators.forEach((act, u) => {
      rhs[act.dof] = t.fma(ctrl[u]!, t.constant(act.gear), rhs[act.dof]!);
    });
    const qdd = choleskySolve(t, factor, rhs, nv);
    const nextQd = qd.map((v, k) => t.fma(qdd[k]!, t.constant(h), v));
    const nextQ = q.slice();
    for (const link of links) {
      if (link.joint === 'free') integrateFree(t, link, q, nextQd, nextQ, h);
      else nextQ[link.qAdr] = t.fma(nextQd[link.dofAdr]!, t.constant(h), q[link.qAdr]!);
    }
    q = nextQ;
    qd = nextQd;
  }
  return { q, qd };
}

/** Position += h·v; quaternion ← normalise(quaternion ⊗ exp(h ω_body / 2)), as MuJoCo's mju_quatIntegrate. */
function integrateFree(t: Tape, link: Link, q: Node[], qd: Node[], out: Node[], h: number): void {
  const a = link.qAdr;
  const d = link.dofAdr;
  const hc = t.constant(h);
  for (let k = 0; k < 3; k++) out[a + k] = t.fma(qd[d + k]!, hc, q[a + k]!);
  const [wx, wy, wz] = [qd[d + 3]!, qd[d + 4]!, qd[d + 5]!];
  // Half angle x = |ω| h / 2; cos x and sin(x)/|ω| as polynomials in x² (exact to double precision
  // for |ω| h < 0.1), so the map stays smooth at ω = 0.
  const x2 = t.mulc(t.fma(wx, wx, t.fma(wy, wy, t.mul(wz, wz))), (h * h) / 4);
  const cw = t.addc(t.mul(x2, t.addc(t.mul(x2, t.addc(t.mulc(x2, -1 / 720), 1 / 24)), -1 / 2)), 1);
  const sk = t.mulc(t.addc(t.mul(x2, t.addc(t.mul(x2, t.addc(t.mulc(x2, -1 / 5040), 1 / 120)), -1 / 6)), 1), h / 2);
  const [bx, by, bz] = [t.mul(wx, sk), t.mul(wy, sk), t.mul(wz, sk)];
  const [w, x, y, z] = [q[a + 3]!, q[a + 4]!, q[a + 5]!, q[a + 6]!];
  const rw = t.fnma(z, bz, t.fnma(y, by, t.fnma(x, bx, t.mul(w, cw))));
  const rx = t.fnma(z, by, t.fma(y, bz, t.fma(x, cw, t.mul(w, bx))));
  const ry = t.fma(z, bx, t.fma(y, cw, t.fnma(x, bz, t.mul(w, by))));
  const rz = t.fma(z, cw, t.fnma(y, bx, t.fma(x, by, t.mul(w, bz))));
  const inv = t.div(ONE, t.sqrt(t.fma(rw, rw, t.fma(rx, rx, t.fma(ry, ry, t.mul(rz, rz))))));
  out[a + 3] = t.mul(rw, inv);
  out[a + 4] = t.mul(rx, inv);
  out[a + 5] = t.mul(ry, inv);
  out[a + 6] = t.mul(rz, inv);
}

function normalizeQuaternions(t: Tape, model: Model, q: Node[]): Node[] {
  const out = q.slice();
  for (const link of model.links) {
    if (link.joint !== 'free') continue;
    const a = link.qAdr + 3;
    const inv = t.div(ONE, t.sqrt(t.fma(q[a]!, q[a]!, t.fma(q[a + 1]!, q[a + 1]!, t.fma(q[a + 2]!, q[a + 2]!, t.mul(q[a + 3]!, q[a + 3]!))))));
    for (let k = 0; k < 4; k++) out[a + k] = t.mul(q[a + k]!, inv);
  }
  return out;
}

/** The heights above the ground of every contact sphere's lowest point (negative: penetrating), link by link. */
export function recordContactHeights(t: Tape, model: Model, q: Node[]): Node[] {
  const o = new Ops(t);
  const kin = kinematics(o, model, normalizeQuaternions(t, model, q));
  const out: Node[] = [];
  model.links.forEach((link, i) => {
    for (const sphere of link.contacts) out.push(t.addc(o.transformConst(kin[i]!.R, kin[i]!.p, sphere.pos)[2], -sphere.radius));
  });
  return out;
}
