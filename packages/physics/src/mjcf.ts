import { parseXml, type XmlElement } from './xml.js';
import {
  IDENTITY,
  add3,
  combineInertia,
  matMul,
  matVec,
  norm3,
  quatToMat,
  rotationZTo,
  scale3,
  sub3,
  transpose,
  type Actuator,
  type ContactParams,
  type ContactSphere,
  type Dof,
  type JointType,
  type Link,
  type Mat3,
  type Model,
  type Vec3,
} from './model.js';

// An MJCF loader for the subset the locomotion models use: <compiler angle, inertiafromgeom,
// autolimits>, <default> classes (nested, `class`, `childclass`), <body pos quat>, <joint type
// hinge|slide|free, pos, axis, range, limited, ref, damping, armature>, <geom type capsule|sphere|
// plane, size, pos, quat, axisangle, fromto, density, mass>, <motor>/<general> with joint, gear and
// ctrlrange. Masses and inertias come from the geoms as MuJoCo computes them (uniform density,
// default 1000 kg/m³; a capsule is a cylinder plus two hemispheres). A plane in the worldbody is the
// ground at z = 0; any other world geom is rejected.

/** Values that replace what the file says (the DiffRL env builders pass theirs to dflex's loader this way). */
export interface MjcfOverrides {
  /** Geom density for every geom (kg/m³). */
  density?: number;
  /** Armature for every dof. */
  armature?: number;
  /**
   * dflex's damping rule instead of MuJoCo's: a hinge or slide gets the `damping` attribute of its own
   * element (default classes ignored), else `default`, plus `extra` (dflex's limit_kd, which it applies
   * at all times); free joints get none.
   */
  damping?: { default: number; extra: number };
  /** Penalty stiffness of the joint limits. */
  limitKe?: number;
  /** Gear of every motor. */
  gear?: number;
  contact?: ContactParams;
  gravity?: Vec3;
}

const DEFAULT_CONTACT: ContactParams = { ke: 1e4, kd: 1e3, kf: 1e3, mu: 0.5 };

type Attrs = Record<string, string>;

interface Defaults {
  joint: Attrs;
  geom: Attrs;
  motor: Attrs;
  general: Attrs;
}

function numbers(text: string | undefined, what: string): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.trim().split(/\s+/).map(Number);
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`MJCF: ${what} = "${text}" is not a list of numbers`);
  return values;
}

function vec3(text: string | undefined, what: string, fallback: Vec3): Vec3 {
  const v = numbers(text, what);
  if (v === undefined) return fallback;
  if (v.length !== 3) throw new Error(`MJCF: ${what} needs 3 numbers; got "${text}"`);
  return [v[0]!, v[1]!, v[2]!];
}

function normalize(v: Vec3): Vec3 {
  const n = norm3(v);
  return n === 0 ? v : scale3(v, 1 / n);
}

function axisAngleMat(axis: Vec3, angle: number): Mat3 {
  const [x, y, z] = normalize(axis);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return [t * x * x + c, t * x * y - s * z, t * x * z + s * y, t * x * y + s * z, t * y * y + c, t * y * z - s * x, t * x * z - s * y, t * y * z + s * x, t * z * z + c];
}

/** Parses an MJCF document into a simulator model. */
export function loadMjcf(source: string, overrides: MjcfOverrides = {}): Model {
  const root = parseXml(source);
  if (root.tag !== 'mujoco') throw new Error(`MJCF: the root element is <${root.tag}>, expected <mujoco>`);
  const compiler = root.children.find((c) => c.tag === 'compiler')?.attributes ?? {};
  const degrees = (compiler['angle'] ?? 'degree') === 'degree';
  const autolimits = (compiler['autolimits'] ?? 'true') === 'true';
  if ((compiler['coordinate'] ?? 'local') !== 'local') throw new Error('MJCF: only coordinate="local" is supported');
  if (compiler['inertiafromgeom'] === 'false') throw new Error('MJCF: inertiafromgeom="false" (explicit <inertial>) is not supported');
  const angle = (v: number) => (degrees ? (v * Math.PI) / 180 : v);

  // Default classes: a map from class name to the attributes each element kind inherits.
  const classes = new Map<string, Defaults>();
  const readDefault = (element: XmlElement, parent: Defaults | undefined): void => {
    const name = element.attributes['class'] ?? 'main';
    const own: Defaults = { joint: { ...parent?.joint }, geom: { ...parent?.geom }, motor: { ...parent?.motor }, general: { ...parent?.general } };
    for (const child of element.children) {
      if (child.tag === 'joint' || child.tag === 'geom' || child.tag === 'motor' || child.tag === 'general') Object.assign(own[child.tag], child.attributes);
    }
    classes.set(name, own);
    for (const child of element.children) if (child.tag === 'default') readDefault(child, own);
  };
  for (const element of root.children) if (element.tag === 'default') readDefault(element, undefined);
  const empty: Defaults = { joint: {}, geom: {}, motor: {}, general: {} };
  const resolve = (kind: keyof Defaults, element: XmlElement, childclass: string | undefined): Attrs => {
    const cls = element.attributes['class'] ?? childclass ?? 'main';
    const defaults = classes.get(cls) ?? (cls === 'main' ? empty : undefined);
    if (defaults === undefined) throw new Error(`MJCF: unknown default class "${cls}"; defined: ${[...classes.keys()].join(', ') || 'none'}`);
    return { ...defaults[kind], ...element.attributes };
  };

  const links: Link[] = [];
  const dofs: Dof[] = [];
  const qposRef: number[] = [];
  const q0: number[] = [];
  const jointDof = new Map<string, number>();
  let nq = 0;

  interface Geometry {
    mass: number;
    com: Vec3;
    inertia: Mat3;
    contacts: ContactSphere[];
  }

  /** Mass, inertia (about the geom centre, in the frame given by rot/pos) and contact spheres of a geom. */
  const geomOf = (attrs: Attrs): Geometry | undefined => {
    const type = attrs['type'] ?? 'sphere';
    const size = numbers(attrs['size'], 'geom size') ?? [];
    if (type === 'plane') return undefined;
    if (type !== 'capsule' && type !== 'sphere') throw new Error(`MJCF: geom type "${type}" is not supported (capsule, sphere, plane)`);
    const radius = size[0];
    if (radius === undefined) throw new Error(`MJCF: geom "${attrs['name'] ?? ''}" has no size`);
    let center: Vec3;
    let rot: Mat3;
    let half = 0;
    if (type === 'capsule' && attrs['fromto'] !== undefined) {
      const ft = numbers(attrs['fromto'], 'geom fromto')!;
      const from: Vec3 = [ft[0]!, ft[1]!, ft[2]!];
      const to: Vec3 = [ft[3]!, ft[4]!, ft[5]!];
      center = scale3(add3(from, to), 0.5);
      const d = sub3(to, from);
      half = norm3(d) / 2;
      rot = rotationZTo(normalize(d));
    } else {
      center = vec3(attrs['pos'], 'geom pos', [0, 0, 0]);
      rot = IDENTITY;
      if (attrs['quat'] !== undefined) rot = quatToMat(numbers(attrs['quat'], 'geom quat')!);
      else if (attrs['axisangle'] !== undefined) {
        const aa = numbers(attrs['axisangle'], 'geom axisangle')!;
        rot = axisAngleMat([aa[0]!, aa[1]!, aa[2]!], angle(aa[3]!));
      }
      if (type === 'capsule') {
        if (size[1] === undefined) throw new Error(`MJCF: capsule "${attrs['name'] ?? ''}" needs size="radius half-length" or fromto`);
        half = size[1];
      }
    }
    const density = overrides.density ?? Number(attrs['density'] ?? 1000);
    const r = radius;
    const sphereVolume = (4 / 3) * Math.PI * r ** 3;
    const cylinderVolume = Math.PI * r * r * 2 * half;
    let mass = density * (sphereVolume + cylinderVolume);
    let local: Vec3;
    if (type === 'sphere') {
      const i = (2 / 5) * mass * r * r;
      local = [i, i, i];
    } else {
      const ms = density * sphereVolume;
      const mc = density * cylinderVolume;
      const h = 2 * half;
      const perpendicular = (mc * (3 * r * r + h * h)) / 12 + ms * ((2 * r * r) / 5 + (h * h) / 4 + (3 * h * r) / 8);
      const axial = (mc * r * r) / 2 + (ms * 2 * r * r) / 5;
      local = [perpendicular, perpendicular, axial];
    }
    if (attrs['mass'] !== undefined && overrides.density === undefined) {
      const given = Number(attrs['mass']);
      local = scale3(local, given / mass);
      mass = given;
    }
    // I = R diag(local) Rᵀ
    const diag: Mat3 = [local[0], 0, 0, 0, local[1], 0, 0, 0, local[2]];
    const inertia = matMul(matMul(rot, diag), transpose(rot));
    const axis = matVec(rot, [0, 0, 1]);
    const contacts: ContactSphere[] =
      type === 'sphere'
        ? [{ pos: center, radius: r }]
        : [
            { pos: add3(center, scale3(axis, half)), radius: r },
            { pos: sub3(center, scale3(axis, half)), radius: r },
          ];
    return { mass, com: center, inertia, contacts };
  };

  /** Adds body geometry (in `frame` = (rot, pos) relative to the link) to a link. */
  const addGeometry = (link: Link, g: Geometry, rot: Mat3, pos: Vec3): void => {
    const com = add3(matVec(rot, g.com), pos);
    const inertia = matMul(matMul(rot, g.inertia), transpose(rot));
    const sum = combineInertia(link.mass, link.com, link.inertia, g.mass, com, inertia);
    link.mass = sum.mass;
    link.com = sum.com;
    link.inertia = sum.inertia;
    for (const c of g.contacts) link.contacts.push({ pos: add3(matVec(rot, c.pos), pos), radius: c.radius });
  };

  const walk = (body: XmlElement, parentLink: number, weldRot: Mat3, weldPos: Vec3, childclass: string | undefined): void => {
    const name = body.attributes['name'] ?? `body${links.length}`;
    const cls = body.attributes['childclass'] ?? childclass;
    const pos = vec3(body.attributes['pos'], `body ${name} pos`, [0, 0, 0]);
    const rot = body.attributes['quat'] !== undefined ? quatToMat(numbers(body.attributes['quat'], 'body quat')!) : IDENTITY;
    // The body frame relative to the frame of the link it hangs from (through any welded bodies).
    let frameRot = matMul(weldRot, rot);
    let framePos = add3(matVec(weldRot, pos), weldPos);
    let link = parentLink;
    const joints = body.children.filter((c) => c.tag === 'joint' || c.tag === 'freejoint');
    for (const element of joints) {
      const attrs = element.tag === 'freejoint' ? { ...element.attributes, type: 'free' } : resolve('joint', element, cls);
      const type = (attrs['type'] ?? 'hinge') as JointType;
      if (type !== 'hinge' && type !== 'slide' && type !== 'free') throw new Error(`MJCF: joint type "${type}" is not supported (hinge, slide, free)`);
      const jointName = attrs['name'] ?? `joint${links.length}`;
      const isFree = type === 'free';
      if (isFree && parentLink !== -1) throw new Error(`MJCF: free joint "${jointName}" must belong to a body of the worldbody`);
      const ref = Number(attrs['ref'] ?? 0);
      const l: Link = {
        name: jointName,
        body: name,
        parent: link,
        joint: type,
        qAdr: nq,
        dofAdr: dofs.length,
        offsetPos: isFree ? [0, 0, 0] : framePos,
        offsetRot: isFree ? IDENTITY : frameRot,
        anchor: vec3(attrs['pos'], `joint ${jointName} pos`, [0, 0, 0]),
        axis: normalize(vec3(attrs['axis'], `joint ${jointName} axis`, [0, 0, 1])),
        mass: 0,
        com: [0, 0, 0],
        inertia: [0, 0, 0, 0, 0, 0, 0, 0, 0],
        contacts: [],
      };
      if (isFree) {
        // The free joint's coordinates are the body's world pose; the file's pose is the initial one.
        const quat = body.attributes['quat'] !== undefined ? numbers(body.attributes['quat'], 'body quat')! : [1, 0, 0, 0];
        q0.push(...framePos, ...quat);
        qposRef.push(0, 0, 0, 0, 0, 0, 0);
        nq += 7;
      } else {
        q0.push(0);
        qposRef.push(ref);
        nq += 1;
      }
      const range = numbers(attrs['range'], `joint ${jointName} range`);
      const limitedAttr = attrs['limited'];
      const limited = !isFree && (limitedAttr === 'true' || (limitedAttr === undefined && autolimits && range !== undefined));
      if (limited && range === undefined) throw new Error(`MJCF: joint "${jointName}" is limited but has no range`);
      const count = isFree ? 6 : 1;
      for (let k = 0; k < count; k++) {
        dofs.push({
          name: count > 1 ? `${jointName}:${k}` : jointName,
          armature: overrides.armature ?? Number(attrs['armature'] ?? 0),
          damping: isFree ? 0 : dampingOf(element, attrs, overrides.damping),
          limited,
          lower: limited ? angleOrLength(type, range![0]!, angle) - ref : -Infinity,
          upper: limited ? angleOrLength(type, range![1]!, angle) - ref : Infinity,
        });
      }
      jointDof.set(jointName, l.dofAdr);
      links.push(l);
      link = links.length - 1;
      // Later joints of the same body act in the frame the earlier ones moved.
      frameRot = IDENTITY;
      framePos = [0, 0, 0];
    }
    if (link === -1) throw new Error(`MJCF: body "${name}" of the worldbody has no joint (a fixed base is not supported)`);
    for (const geom of body.children.filter((c) => c.tag === 'geom')) {
      const g = geomOf(resolve('geom', geom, cls));
      if (g !== undefined) addGeometry(links[link]!, g, frameRot, framePos);
    }
    for (const child of body.children) if (child.tag === 'body') walk(child, link, frameRot, framePos, cls);
  };

  const worldbody = root.children.find((c) => c.tag === 'worldbody');
  if (worldbody === undefined) throw new Error('MJCF: no <worldbody>');
  for (const element of worldbody.children) {
    if (element.tag === 'body') walk(element, -1, IDENTITY, [0, 0, 0], undefined);
    else if (element.tag === 'geom' && (element.attributes['type'] ?? 'sphere') !== 'plane') throw new Error('MJCF: only a plane (the ground) may be a world geom');
  }

  const actuators: Actuator[] = [];
  for (const element of root.children.find((c) => c.tag === 'actuator')?.children ?? []) {
    if (element.tag !== 'motor' && element.tag !== 'general') throw new Error(`MJCF: actuator <${element.tag}> is not supported (motor, general)`);
    const attrs = resolve(element.tag, element, undefined);
    const joint = attrs['joint'];
    const dof = joint === undefined ? undefined : jointDof.get(joint);
    if (dof === undefined) throw new Error(`MJCF: actuator on unknown joint "${joint}"; joints: ${[...jointDof.keys()].join(', ')}`);
    const ctrl = numbers(attrs['ctrlrange'], 'ctrlrange') ?? [-Infinity, Infinity];
    actuators.push({ name: attrs['name'] ?? joint!, dof, gear: overrides.gear ?? numbers(attrs['gear'], 'gear')?.[0] ?? 1, ctrlLow: ctrl[0]!, ctrlHigh: ctrl[1]! });
  }

  return {
    name: root.attributes['model'] ?? 'model',
    links,
    dofs,
    actuators,
    nq,
    nv: dofs.length,
    qposRef,
    q0,
    gravity: overrides.gravity ?? [0, 0, -9.81],
    contact: overrides.contact ?? DEFAULT_CONTACT,
    limitKe: overrides.limitKe ?? 0,
  };
}

function dampingOf(element: XmlElement, attrs: Attrs, rule: MjcfOverrides['damping']): number {
  if (rule === undefined) return Number(attrs['damping'] ?? 0);
  const own = element.attributes['damping'];
  return (own === undefined ? rule.default : Number(own)) + rule.extra;
}

function angleOrLength(type: JointType, value: number, angle: (v: number) => number): number {
  return type === 'hinge' ? angle(value) : value;
}
