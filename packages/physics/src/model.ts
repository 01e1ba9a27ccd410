// The articulated model the simulator runs: a tree of links in reduced coordinates, one joint each.
// A body with several joints becomes a chain of links (massless but the last), as MuJoCo applies a
// body's joints one after another; a body without a joint is welded into its parent.

export type Vec3 = [number, number, number];
/** Row-major 3×3. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export type JointType = 'hinge' | 'slide' | 'free';

/** A contact sphere fixed in a link: dflex's contact points (capsule end spheres, sphere centres). */
export interface ContactSphere {
  pos: Vec3;
  radius: number;
}

export interface Link {
  /** The joint's name. */
  name: string;
  /** The MJCF body the link belongs to. */
  body: string;
  /** Index of the parent link; −1 for the world. */
  parent: number;
  joint: JointType;
  /** First position coordinate (free: 7 of them, position then quaternion w, x, y, z). */
  qAdr: number;
  /** First velocity coordinate (free: 6, the world velocity of the body origin, then the angular velocity in the body frame, as MuJoCo). */
  dofAdr: number;
  /** The link frame in the parent link's frame with the joint at zero. */
  offsetPos: Vec3;
  offsetRot: Mat3;
  /** Joint anchor and unit axis, in the link frame. */
  anchor: Vec3;
  axis: Vec3;
  mass: number;
  /** Centre of mass and the inertia about it, in the link frame. */
  com: Vec3;
  inertia: Mat3;
  contacts: ContactSphere[];
}

/** One velocity coordinate's passive properties. */
export interface Dof {
  name: string;
  /** Added to the mass matrix diagonal (rotor inertia). */
  armature: number;
  /** Viscous damping: generalised force −damping · q̇. */
  damping: number;
  /** Penalty limit on the coordinate (as `q`, i.e. relative to the joint's `ref`); none when `limited` is false. */
  limited: boolean;
  lower: number;
  upper: number;
}

export interface Actuator {
  name: string;
  dof: number;
  gear: number;
  ctrlLow: number;
  ctrlHigh: number;
}

/** dflex's ground contact model (eval_rigid_contacts_art): penalty normal force, damping, smooth Coulomb friction. */
export interface ContactParams {
  /** Normal stiffness (N/m). */
  ke: number;
  /** Normal damping, scaled by the penetration depth (N·s/m²). */
  kd: number;
  /** Friction stiffness (viscous slope below the Coulomb cap, N·s/m). */
  kf: number;
  /** Coulomb coefficient. */
  mu: number;
}

export interface Model {
  name: string;
  links: Link[];
  dofs: Dof[];
  actuators: Actuator[];
  nq: number;
  nv: number;
  /** Per link joint: MuJoCo's qpos0 offset (`ref`) of each hinge/slide coordinate, so that qpos = q + ref. */
  qposRef: number[];
  /** The initial coordinates (free joint: the body's pose in the file; others 0). */
  q0: number[];
  gravity: Vec3;
  contact: ContactParams;
  /** Penalty stiffness of the joint limits (N·m/rad or N/m). */
  limitKe: number;
}

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function matMul(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9) as Mat3;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
  return out;
}

export function matVec(a: Mat3, v: Vec3): Vec3 {
  return [a[0] * v[0] + a[1] * v[1] + a[2] * v[2], a[3] * v[0] + a[4] * v[1] + a[5] * v[2], a[6] * v[0] + a[7] * v[1] + a[8] * v[2]];
}

export function transpose(a: Mat3): Mat3 {
  return [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];
}

export function add3(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function sub3(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function scale3(a: Vec3, k: number): Vec3 {
  return [a[0] * k, a[1] * k, a[2] * k];
}

export function norm3(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

/** Rotation matrix of a unit quaternion (w, x, y, z). */
export function quatToMat(q: readonly number[]): Mat3 {
  const n = Math.hypot(q[0]!, q[1]!, q[2]!, q[3]!);
  const [w, x, y, z] = [q[0]! / n, q[1]! / n, q[2]! / n, q[3]! / n];
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

/** The rotation taking the z axis onto the unit vector `dir` (the shortest one). */
export function rotationZTo(dir: Vec3): Mat3 {
  const [x, y, z] = dir;
  if (z < -1 + 1e-12) return [1, 0, 0, 0, -1, 0, 0, 0, -1];
  // Rodrigues for axis ẑ × d, angle acos(z): R = I + [k]× + [k]×² / (1 + z) with k = (−y, x, 0).
  const f = 1 / (1 + z);
  return [1 - x * x * f, -x * y * f, x, -x * y * f, 1 - y * y * f, y, -x, -y, 1 - (x * x + y * y) * f];
}

/** Adds inertia `b` (about its own centre `cb`, mass mb) to `a` (about `ca`, mass ma); returns the sum about the joint centre of mass. */
export function combineInertia(ma: number, ca: Vec3, ia: Mat3, mb: number, cb: Vec3, ib: Mat3): { mass: number; com: Vec3; inertia: Mat3 } {
  const mass = ma + mb;
  if (mass === 0) return { mass: 0, com: [0, 0, 0], inertia: [0, 0, 0, 0, 0, 0, 0, 0, 0] };
  const com = scale3(add3(scale3(ca, ma), scale3(cb, mb)), 1 / mass);
  const inertia = [...ia] as Mat3;
  for (const [m, c, i] of [
    [ma, ca, ia],
    [mb, cb, ib],
  ] as const) {
    const d = sub3(c, com);
    const dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    for (let r = 0; r < 3; r++) {
      for (let s = 0; s < 3; s++) {
        const shift = m * ((r === s ? dd : 0) - d[r]! * d[s]!);
        inertia[r * 3 + s] = (i === ia ? inertia[r * 3 + s]! : inertia[r * 3 + s]! + i[r * 3 + s]!) + shift;
      }
    }
  }
  return { mass, com, inertia };
}
