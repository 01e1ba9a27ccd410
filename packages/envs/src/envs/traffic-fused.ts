import { tf } from '@pathwise/core';
import type { FusedStep } from '../fused.js';
import { lit, type GpuFusedStep } from '../fused-gpu.js';

// The traffic env's fused step (issue 14): `transition` and `observe` of traffic.ts per env, with
// Math.fround after every operation and every number operand rounded to float32 as tfjs rounds it, in
// the same order as the ops, so that on the cpu backend it is bit-identical to the op path (whose
// kernels compute in float64 and store float32; tf.mean divides each element by N, then sums in
// float64). The wasm backend's tan, atan, sin, cos and mean round differently (its mean sums in
// float32, then divides), so there it agrees to float32 rounding only. The backward pass is the
// vector-Jacobian product in float64 with tfjs's gradients at the kinks: relu′(0) = 0, abs′(0) = −1,
// maximum passes where a ≥ b, minimum where a ≤ b, clipByValue where min ≤ x ≤ max, and the reward's
// `where` passes nothing where the episode ended.

/** The road (layout() in traffic.ts): per IDM vehicle its lane, start position, leader (n: the pace car) and whether it leads its lane. */
export interface TrafficRoad {
  lanes: number;
  laneWidth: number;
  lane: readonly number[];
  position: readonly number[];
  leader: readonly number[];
  front: readonly number[];
}

const F = Math.fround;

/** The constants of traffic.ts's TRAFFIC that the step reads. */
export type TrafficConstants = Readonly<
  Record<
    | 'laneWidth'
    | 'vehicleLength'
    | 'idmMaxAccel'
    | 'idmComfortDecel'
    | 'idmMinSpacing'
    | 'idmTimeHeadway'
    | 'steeringBoundDeg'
    | 'accelerationBound'
    | 'speedLimit'
    | 'desiredSpeed'
    | 'dt'
    | 'collisionDistance'
    | 'tooFarDistance'
    | 'laneEdgeBand'
    | 'aheadBand',
    number
  >
>;

function stepConstants(c: TrafficConstants, lanes: number) {
  return {
    length: F(c.vehicleLength),
    gapFloor: F(1e-3),
    headway: F(c.idmTimeHeadway),
    minSpacing: F(c.idmMinSpacing),
    gain: F(1 / (2 * Math.sqrt(c.idmMaxAccel * c.idmComfortDecel))),
    laneReach: F(c.laneWidth / 2 + c.laneEdgeBand),
    laneScale: F(1 / (2 * c.laneEdgeBand)),
    aheadScale: F(1 / c.aheadBand),
    invLimit: F(1 / c.speedLimit),
    maxAccel: F(c.idmMaxAccel),
    dt: F(c.dt),
    steer: F((c.steeringBoundDeg * Math.PI) / 180),
    headingGain: F(2 / c.vehicleLength),
    accelGain: F(c.accelerationBound * c.dt),
    desired: F(c.desiredSpeed),
    invDesired: F(1 / c.desiredSpeed),
    collision: F(c.collisionDistance ** 2),
    tooFar: F(c.tooFarDistance ** 2),
    bottom: F(-c.laneWidth / 2),
    top: F((lanes - 1) * c.laneWidth + c.laneWidth / 2),
  };
}

/** smoothstep of math.ts as the ops round it: c = clip(t, 0, 1), c²·(3 − 2c). */
function smooth(t: number): number {
  const c = t > 1 ? 1 : t < 0 ? 0 : t;
  return F(F(c * c) * F(3 - F(c * 2)));
}

/** Its gradient: tfjs's square, mul and sub gradients, then clipByValue's (passes where 0 ≤ t ≤ 1). */
function smoothGrad(t: number, dy: number): number {
  if (!(t >= 0 && t <= 1)) return 0;
  return dy * F(3 - F(t * 2)) * 2 * t - dy * F(t * t) * 2;
}

/** Per-vehicle values of one row's step that the backward pass reads again (float32 values). */
const VEHICLE_FIELDS = ['lp', 'lv', 'd2', 'gap', 'dv', 'sg', 'q', 'e1', 'tIn', 'inLane', 'tA', 'ahead', 'weight', 'f1', 'f2', 'n2', 'newVel', 'newPos'] as const;
type Vehicles = Record<(typeof VEHICLE_FIELDS)[number], Float64Array>;

interface Pace {
  s1: number;
  s3: number;
  beta: number;
  travel: number;
  course: number;
  sinBeta: number;
  newX: number;
  newY: number;
  newH: number;
  newS: number;
  /** deviation · 0.1, before the minimum with 1. */
  m: number;
  speedReward: number;
  terminated: boolean;
}

const kernels = new Map<string, FusedStep>();

/** The fused step of a road (one per lanes × vehicles, so that each compiles and registers its kernels once). */
export function trafficFused(c: TrafficConstants, road: TrafficRoad): FusedStep {
  const key = `${road.lanes}x${road.leader.length}`;
  let fused = kernels.get(key);
  if (fused === undefined) {
    fused = makeTrafficFused(c, road);
    kernels.set(key, fused);
  }
  return fused;
}

function makeTrafficFused(c: TrafficConstants, road: TrafficRoad): FusedStep {
  const K = stepConstants(c, road.lanes);
  const n = road.leader.length;
  const obsDim = 4 * (n + 1);
  const laneY = road.lane.map((l) => F(l * road.laneWidth));
  const { leader, front } = road;
  const nonFront = front.map((f) => 1 - f);
  const w = Object.fromEntries(VEHICLE_FIELDS.map((f) => [f, new Float64Array(n)])) as Vehicles;
  const gPos = new Float64Array(n);
  const gVel = new Float64Array(n);

  /**
   * A leader's value through the op path's 0/1 selection matMul: its sums start at +0 (so −0 comes
   * out +0), and a non-finite entry anywhere else in the row makes it NaN (0·Inf).
   */
  const selected = (values: Float32Array, at: number, pace: number, j: number, finite: boolean): number => {
    const l = leader[j]!;
    if (finite) return (l === n ? pace : values[at + l]!) + 0;
    let sum = 0;
    for (let k = 0; k < n; k++) sum += values[at + k]! * (k === l ? 1 : 0);
    return F(0 + (sum + pace * (l === n ? 1 : 0)));
  };
  const rowFinite = (values: Float32Array, at: number, pace: number): boolean => {
    if (!Number.isFinite(pace)) return false;
    for (let k = 0; k < n; k++) if (!Number.isFinite(values[at + k]!)) return false;
    return true;
  };

  /** One env's step (row i): fills `w` and returns the pace car's values, the reward and the early end. */
  const step = (state: readonly Float32Array[], action: Float32Array, i: number): Pace => {
    const P = state[0]!;
    const V = state[1]!;
    const at = i * n;
    const px = state[2]![i]!;
    const py = state[3]![i]!;
    const h = state[4]![i]!;
    const sp = state[5]![i]!;
    const posFinite = rowFinite(P, at, px);
    const velFinite = rowFinite(V, at, sp);
    for (let j = 0; j < n; j++) {
      const p = P[at + j]!;
      const v = V[at + j]!;
      const lp = selected(P, at, px, j, posFinite);
      const lv = selected(V, at, sp, j, velFinite);
      const d2 = F(F(lp - p) - K.length);
      const gap = Math.max(d2, K.gapFloor);
      const dv = F(v - lv);
      const sg = F(F(F(v * K.headway) + K.minSpacing) + F(F(v * dv) * K.gain));
      const q = F(Math.max(0, sg) / gap);
      const e1 = F(py - laneY[j]!);
      const tIn = F(F(K.laneReach - Math.abs(e1)) * K.laneScale);
      const inLane = smooth(tIn);
      const tA = F(F(px - p) * K.aheadScale);
      const ahead = smooth(tA);
      const weight = F(nonFront[j]! + F(front[j]! * F(inLane * ahead)));
      const f1 = F(v * K.invLimit);
      const f2 = F(f1 * f1);
      const acc = F(F(F(1 - F(f2 * f2)) - F(weight * F(q * q))) * K.maxAccel);
      const n2 = F(v + F(acc * K.dt));
      w.lp[j] = lp;
      w.lv[j] = lv;
      w.d2[j] = d2;
      w.gap[j] = gap;
      w.dv[j] = dv;
      w.sg[j] = sg;
      w.q[j] = q;
      w.e1[j] = e1;
      w.tIn[j] = tIn;
      w.inLane[j] = inLane;
      w.tA[j] = tA;
      w.ahead[j] = ahead;
      w.weight[j] = weight;
      w.f1[j] = f1;
      w.f2[j] = f2;
      w.n2[j] = n2;
      w.newVel[j] = Math.max(0, n2);
      w.newPos[j] = F(p + F(v * K.dt));
    }
    // The action columns come out of a 0/1 matMul too (−0 becomes +0).
    const s1 = F((action[2 * i]! + 0) * K.steer);
    const s3 = F(F(Math.tan(s1)) * 0.5);
    const beta = F(Math.atan(s3));
    const travel = F(sp * K.dt);
    const course = F(h + beta);
    const sinBeta = F(Math.sin(beta));
    const newX = F(px + F(travel * F(Math.cos(course))));
    const newY = F(py + F(travel * F(Math.sin(course))));
    const newH = F(h + F(F(travel * sinBeta) * K.headingGain));
    const newS = F(sp + F((action[2 * i + 1]! + 0) * K.accelGain));

    let deviation = 0;
    for (let j = 0; j < n; j++) deviation += F(Math.abs(F(w.newVel[j]! - K.desired)) / n);
    const m = F(F(deviation) * K.invDesired);
    const speedReward = F(1 - Math.min(m, 1));
    // tf.min: the first value, then any smaller one or NaN.
    let nearest = NaN;
    let minDx = NaN;
    for (let j = 0; j < n; j++) {
      const dx = F(newX - w.newPos[j]!);
      const ey = F(newY - laneY[j]!);
      const d = F(F(dx * dx) + F(ey * ey));
      if (j === 0 || Number.isNaN(d) || d < nearest) nearest = d;
      if (j === 0 || Number.isNaN(dx) || dx < minDx) minDx = dx;
    }
    const terminated = nearest < K.collision || nearest > K.tooFar || minDx < 0 || newY <= K.bottom || newY >= K.top;
    return { s1, s3, beta, travel, course, sinBeta, newX, newY, newH, newS, m, speedReward, terminated };
  };

  return {
    stateKeys: ['pos', 'vel', 'x', 'y', 'heading', 'speed'],
    obsDim,
    // Bit-identical on cpu. No golden uses traffic (tests/golden), so `auto` uses the kernel there too.
    exactOn: ['cpu'],
    defaultOn: ['cpu'],
    gpu: trafficGpu(K, road, laneY),
    checkStart: () => trafficCheckStart(road),
    forward({ batch, state, action }, out) {
      const [oPos, oVel, oX, oY, oH, oS] = out.state as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      for (let i = 0; i < batch; i++) {
        const r = step(state, action, i);
        const o = i * obsDim;
        // [0, Δx (N), 0, Δy (N), vx, v (N), vy, 0 (N)]: vehicle 0 is the pace car.
        const vx = F(r.newS * F(Math.cos(r.newH)));
        const vy = F(r.newS * F(Math.sin(r.newH)));
        out.obs[o] = 0;
        out.obs[o + n + 1] = 0;
        out.obs[o + 2 * n + 2] = vx;
        out.obs[o + 3 * n + 3] = vy;
        for (let j = 0; j < n; j++) {
          const newPos = w.newPos[j]!;
          const newVel = w.newVel[j]!;
          oPos[i * n + j] = newPos;
          oVel[i * n + j] = newVel;
          out.obs[o + 1 + j] = F(newPos - r.newX);
          out.obs[o + n + 2 + j] = F(laneY[j]! - r.newY);
          out.obs[o + 2 * n + 3 + j] = newVel;
          out.obs[o + 3 * n + 4 + j] = 0;
        }
        oX[i] = r.newX;
        oY[i] = r.newY;
        oH[i] = r.newH;
        oS[i] = r.newS;
        out.reward[i] = r.terminated ? -1 : r.speedReward;
        if (r.terminated) out.terminated[i] = 1;
      }
    },
    backward({ batch, state, action }, dy, grad) {
      const V = state[1]!;
      const [dPos, dVel, dX, dY, dH, dS] = dy.state as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      const [gPosOut, gVelOut, gXOut, gYOut, gHOut, gSOut] = grad.state as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      for (let i = 0; i < batch; i++) {
        const r = step(state, action, i);
        const o = i * obsDim;
        const at = i * n;
        // Cotangents of the state after the step: its own and the observation's.
        let gNewX = dX[i]!;
        let gNewY = dY[i]!;
        for (let j = 0; j < n; j++) {
          gNewX -= dy.obs[o + 1 + j]!;
          gNewY -= dy.obs[o + n + 2 + j]!;
        }
        const gVx = dy.obs[o + 2 * n + 2]!;
        const gVy = dy.obs[o + 3 * n + 3]!;
        const cosH = Math.cos(r.newH);
        const sinH = Math.sin(r.newH);
        const gNewS = dS[i]! + gVx * cosH + gVy * sinH;
        const gNewH = dH[i]! - gVx * r.newS * sinH + gVy * r.newS * cosH;
        // reward = where(terminated, −1, 1 − min(0.1·mean|v − 10|, 1)).
        const dMin = r.terminated ? 0 : -dy.reward[i]!;
        const dDeviation = (r.m <= 1 ? dMin : 0) * K.invDesired;
        let gX = 0;
        let gY = 0;
        let gS = 0;
        gPos.fill(0);
        gVel.fill(0);
        for (let j = 0; j < n; j++) {
          const v = V[at + j]!;
          // newPos = pos + v·dt; newVel = relu(v + acc·dt).
          const gNewPos = dPos[at + j]! + dy.obs[o + 1 + j]!;
          let gNewVel = dVel[at + j]! + dy.obs[o + 2 * n + 3 + j]! + (dDeviation / n) * (F(w.newVel[j]! - K.desired) > 0 ? 1 : -1);
          gNewVel = w.n2[j]! > 0 ? gNewVel : 0;
          // acc = (1 − f2² − weight·q²)·a_max, f2 = f1², f1 = v/v₀, q = relu(sg)/gap.
          const dInner = gNewVel * K.dt * K.maxAccel;
          const q = w.q[j]!;
          const gap = w.gap[j]!;
          const dWeight = -dInner * q * q;
          const dq = -dInner * w.weight[j]! * 2 * q;
          const dSg = w.sg[j]! > 0 ? dq / gap : 0;
          const dGap = (-dq * Math.max(0, w.sg[j]!)) / (gap * gap);
          // sg = v·T + s0 + v·(v − v_lead)·gain.
          const dProduct = dSg * K.gain;
          const dLeaderVel = -dProduct * v;
          // gap = maximum(lead − pos − length, 1e-3).
          const dLeaderPos = w.d2[j]! >= K.gapFloor ? dGap : 0;
          // weight = nonFront + front·inLane·ahead.
          const dProduct2 = dWeight * front[j]!;
          const dAhead = smoothGrad(w.tA[j]!, dProduct2 * w.inLane[j]!) * K.aheadScale;
          gX += dAhead;
          gY += smoothGrad(w.tIn[j]!, dProduct2 * w.ahead[j]!) * K.laneScale * -(w.e1[j]! > 0 ? 1 : -1);
          gPos[j] = gPos[j]! + gNewPos - dLeaderPos - dAhead;
          gVel[j] = gVel[j]! + gNewPos * K.dt + gNewVel - dInner * 2 * w.f2[j]! * 2 * w.f1[j]! * K.invLimit + dSg * K.headway + dProduct * w.dv[j]! + dProduct * v;
          const l = leader[j]!;
          if (l === n) {
            gX += dLeaderPos;
            gS += dLeaderVel;
          } else {
            gPos[l] = gPos[l]! + dLeaderPos;
            gVel[l] = gVel[l]! + dLeaderVel;
          }
        }
        for (let j = 0; j < n; j++) {
          gPosOut[at + j] = gPos[j]!;
          gVelOut[at + j] = gVel[j]!;
        }
        // Pace car: newS = s + accel·0.24; newH = h + travel·sin β·0.4; newX/newY = x/y + travel·cos/sin(h + β).
        gS += gNewS;
        const dAccel = gNewS * K.accelGain;
        const dTravelSin = gNewH * K.headingGain;
        let dTravel = dTravelSin * r.sinBeta;
        let dBeta = dTravelSin * r.travel * Math.cos(r.beta);
        const cosC = Math.cos(r.course);
        const sinC = Math.sin(r.course);
        dTravel += gNewX * cosC + gNewY * sinC;
        const dCourse = gNewY * r.travel * cosC - gNewX * r.travel * sinC;
        dBeta += dCourse;
        gS += dTravel * K.dt;
        // β = atan(tan(δ)/2): tfjs's atan′ = 1/(1 + x²), tan′ = 1/cos².
        const cosS = Math.cos(r.s1);
        const dSteer = ((dBeta / (r.s3 * r.s3 + 1)) * 0.5 * K.steer) / (cosS * cosS);
        gXOut[i] = gX + gNewX;
        gYOut[i] = gY + gNewY;
        gHOut[i] = gNewH + dCourse;
        gSOut[i] = gS;
        grad.action[2 * i] = dSteer;
        grad.action[2 * i + 1] = dAccel;
      }
    },
  };
}

// The same step as shader code (fused-gpu.ts), generated per road: S0, S1 = pos, vel ([B, N]) and
// S2…S5 = x, y, heading, speed ([B, 1]), each read into an array. The backward pass recomputes each vehicle's values
// from the state before the step (they depend on nothing else) instead of keeping them in arrays.
function trafficGpu(K: ReturnType<typeof stepConstants>, road: TrafficRoad, laneY: readonly number[]): GpuFusedStep {
  const n = road.leader.length;
  const N = String(n);
  const table = (name: string, values: readonly number[]) => `float ${name}[${N}]; ${values.map((v, j) => `${name}[${j}] = ${lit(v)};`).join(' ')}`;
  const smoothstepGrad = (t: string, dy: string, scale: string) => `(${dy} * (3.0 - ${t} * 2.0) * 2.0 * ${t} - ${dy} * ${t} * ${t} * 2.0) * ${scale}`;
  // One IDM vehicle j's step, from the state before the step.
  const vehicle = `
  int l = int(leaderIdx[j]);
  float lp = px;
  float lv = sp;
  if (l < ${N}) { lp = S0[l]; lv = S1[l]; }
  float p = S0[j];
  float v = S1[j];
  float d2 = lp - p - ${lit(K.length)};
  float gap = max(d2, ${lit(K.gapFloor)});
  float dv = v - lv;
  float sg = v * ${lit(K.headway)} + ${lit(K.minSpacing)} + v * dv * ${lit(K.gain)};
  float q = max(sg, 0.0) / gap;
  float e1 = py - laneY[j];
  float tIn = (${lit(K.laneReach)} - abs(e1)) * ${lit(K.laneScale)};
  float cIn = clamp(tIn, 0.0, 1.0);
  float inLane = cIn * cIn * (3.0 - cIn * 2.0);
  float tA = (px - p) * ${lit(K.aheadScale)};
  float cA = clamp(tA, 0.0, 1.0);
  float ahead = cA * cA * (3.0 - cA * 2.0);
  float weight = (1.0 - isFront[j]) + isFront[j] * (inLane * ahead);
  float f1 = v * ${lit(K.invLimit)};
  float f2 = f1 * f1;
  float n2 = v + (1.0 - f2 * f2 - weight * (q * q)) * ${lit(K.maxAccel)} * ${lit(K.dt)};`;
  const forward = `
${table('laneY', laneY)}
${table('isFront', road.front)}
${table('leaderIdx', road.leader)}
float px = S2[0];
float py = S3[0];
float hd = S4[0];
float sp = S5[0];
float s1 = act(row, 0) * ${lit(K.steer)};
float s3 = tan(s1) * 0.5;
float beta = atan(s3);
float travel = sp * ${lit(K.dt)};
float course = hd + beta;
float cosC = cos(course);
float sinC = sin(course);
float sinBeta = sin(beta);
float newX = px + travel * cosC;
float newY = py + travel * sinC;
float newH = hd + travel * sinBeta * ${lit(K.headingGain)};
float newS = sp + act(row, 1) * ${lit(K.accelGain)};
float newPos[${N}];
float newVel[${N}];
float deviation = 0.0;
float nearest = 0.0;
float minDx = 0.0;
for (int j = 0; j < ${N}; j++) {
  ${vehicle}
  newVel[j] = max(n2, 0.0);
  newPos[j] = p + v * ${lit(K.dt)};
  deviation += abs(newVel[j] - ${lit(K.desired)}) / ${lit(n)};
  float dx = newX - newPos[j];
  float ey = newY - laneY[j];
  float dd = dx * dx + ey * ey;
  if (j == 0 || dd < nearest) { nearest = dd; }
  if (j == 0 || dx < minDx) { minDx = dx; }
}
float m = deviation * ${lit(K.invDesired)};
float speedReward = 1.0 - min(m, 1.0);
bool ended = nearest < ${lit(K.collision)} || nearest > ${lit(K.tooFar)} || minDx < 0.0 || newY <= ${lit(K.bottom)} || newY >= ${lit(K.top)};
float reward = speedReward;
if (ended) { reward = -1.0; }
`;
  // The adjoint, as the host kernel's backward computes it.
  const backward = `${forward}
float gPos[${N}];
float gVel[${N}];
float gNewX = DS2[0];
float gNewY = DS3[0];
for (int j = 0; j < ${N}; j++) {
  gPos[j] = 0.0;
  gVel[j] = 0.0;
  gNewX -= dobs(row, 1 + j);
  gNewY -= dobs(row, ${n + 2} + j);
}
float gVx = dobs(row, ${2 * n + 2});
float gVy = dobs(row, ${3 * n + 3});
float cosH = cos(newH);
float sinH = sin(newH);
float gNewS = DS5[0] + gVx * cosH + gVy * sinH;
float gNewH = DS4[0] - gVx * newS * sinH + gVy * newS * cosH;
float dMin = -DR;
if (ended) { dMin = 0.0; }
float dDeviation = 0.0;
if (m <= 1.0) { dDeviation = dMin * ${lit(K.invDesired)}; }
float gX = 0.0;
float gY = 0.0;
float gS = 0.0;
for (int j = 0; j < ${N}; j++) {
  ${vehicle}
  float sgn = -1.0;
  if (max(n2, 0.0) - ${lit(K.desired)} > 0.0) { sgn = 1.0; }
  float gNewVel = DS1[j] + dobs(row, ${2 * n + 3} + j) + dDeviation / ${lit(n)} * sgn;
  float gNewPos = DS0[j] + dobs(row, 1 + j);
  gPos[j] += gNewPos;
  gVel[j] += gNewPos * ${lit(K.dt)};
  if (!(n2 > 0.0)) { gNewVel = 0.0; }
  gVel[j] += gNewVel;
  float dInner = gNewVel * ${lit(K.dt)} * ${lit(K.maxAccel)};
  gVel[j] -= dInner * 2.0 * f2 * 2.0 * f1 * ${lit(K.invLimit)};
  float dWeight = -dInner * q * q;
  float dq = -dInner * weight * 2.0 * q;
  float dSg = 0.0;
  if (sg > 0.0) { dSg = dq / gap; }
  float dGap = -dq * max(sg, 0.0) / (gap * gap);
  float dProduct = dSg * ${lit(K.gain)};
  gVel[j] += dSg * ${lit(K.headway)} + dProduct * dv + dProduct * v;
  float dLv = -dProduct * v;
  float dLp = 0.0;
  if (d2 >= ${lit(K.gapFloor)}) { dLp = dGap; }
  gPos[j] -= dLp;
  float dW = dWeight * isFront[j];
  if (tA >= 0.0 && tA <= 1.0) {
    float dA = ${smoothstepGrad('tA', '(dW * inLane)', lit(K.aheadScale))};
    gX += dA;
    gPos[j] -= dA;
  }
  if (tIn >= 0.0 && tIn <= 1.0) {
    float sgnE = -1.0;
    if (e1 > 0.0) { sgnE = 1.0; }
    gY -= ${smoothstepGrad('tIn', '(dW * ahead)', lit(K.laneScale))} * sgnE;
  }
  if (l < ${N}) { gPos[l] += dLp; gVel[l] += dLv; } else { gX += dLp; gS += dLv; }
}
gS += gNewS;
float dTravelSin = gNewH * ${lit(K.headingGain)};
float dTravel = dTravelSin * sinBeta + gNewX * cosC + gNewY * sinC;
float dCourse = gNewY * travel * cosC - gNewX * travel * sinC;
float dBeta = dTravelSin * travel * cos(beta) + dCourse;
gS += dTravel * ${lit(K.dt)};
float cosS = cos(s1);
float gAct[2];
gAct[0] = dBeta / (s3 * s3 + 1.0) * 0.5 * ${lit(K.steer)} / (cosS * cosS);
gAct[1] = gNewS * ${lit(K.accelGain)};
float gXOld = gX + gNewX;
float gYOld = gY + gNewY;
float gHOld = gNewH + dCourse;
`;
  const columns = (f: (j: number) => string) => Array.from({ length: n }, (_, j) => f(j));
  return {
    stateWidths: [n, n, 1, 1, 1, 1],
    forward: {
      body: forward,
      state: ['newPos[col]', 'newVel[col]', 'newX', 'newY', 'newH', 'newS'],
      reward: 'reward',
      obs: [
        '0.0',
        ...columns((j) => `newPos[${j}] - newX`),
        '0.0',
        ...columns((j) => `laneY[${j}] - newY`),
        'newS * cos(newH)',
        ...columns((j) => `newVel[${j}]`),
        'newS * sin(newH)',
        ...columns(() => '0.0'),
      ],
      terminated: 'ended',
    },
    backward: { body: backward, state: ['gPos[col]', 'gVel[col]', 'gXOld', 'gYOld', 'gHOld', 'gS'], action: 'gAct[col]' },
  };
}

/**
 * Ten start states (FusedStep.checkStart) that reach what a reset does not within a few steps; the
 * IDM vehicles at their start positions with speeds 9–10.2 m/s (both signs of |v − 10|′), then per row:
 * 0 the pace car in the lane-edge band of lanes 0 and 1, 15 m ahead; 1 a collision at step 1 (2.8 m
 * ahead, reversing at 6 m/s into a 12 m/s front vehicle), then backwards through the "ahead" band;
 * 2 the gap floor and a stop (4.9 m ahead at 50 m/s; an IDM pair 4.9 m apart); 3 the desired-gap relu
 * (the pace car pulling away at 60 m/s) and the reward clip (the others at 25 m/s); 4 too far at step 1;
 * 5 off the road below at step 1 or 2; 6 an IDM vehicle ahead of the pace car; 7 off the top edge,
 * and an IDM vehicle braking to a stop 0.5 m behind its leader. In rows 8 and 9 the pace car is at the
 * outer edge of lane 0's band (y = 2.2499: lane weight ≈ 1e-7), 3 m and 0.25 m ahead of its front
 * vehicle, whose gap is then at the floor while it keeps moving: the only way the gap floor's and the
 * "ahead" band's gradients reach anything (row 9 collides at step 1).
 */
function trafficCheckStart(road: TrafficRoad): Record<string, tf.Tensor> {
  const n = road.leader.length;
  const top = road.lanes - 1;
  const frontOf = (lane: number) => road.front.findIndex((f, j) => f === 1 && road.lane[j] === lane);
  const [front0, frontTop] = [frontOf(0), frontOf(top)];
  const led = road.leader.flatMap((l, j) => (l < n ? [j] : []));
  const farthest = Math.max(...road.position);
  const rows = { pos: [] as number[][], vel: [] as number[][], x: [] as number[][], y: [] as number[][], heading: [] as number[][], speed: [] as number[][] };
  for (let r = 0; r < 10; r++) {
    const p = [...road.position];
    const v = p.map((_, j) => 9 + 0.3 * ((j * 7) % 5));
    let [px, py, h, s] = [p[front0]! + 15, 0, 0, 8];
    if (r === 0) [py, h] = [1.9, 0.05];
    if (r === 1) [px, s, v[front0]] = [p[front0]! + 2.8, -6, 12];
    if (r === 2) [px, s, v[front0]] = [p[front0]! + 4.9, 50, 3];
    if (r === 3) {
      v.fill(25);
      [px, s, v[front0]] = [p[front0]! + 30, 60, 10];
    }
    if (r === 4) [px, s] = [farthest + 99.8, 20];
    if (r === 5) [py, h, s] = [-1.9, -0.5, 10];
    if (r === 6) [px, py, s] = [p[frontTop]! - 3, top * road.laneWidth, 5];
    if (r === 7) [px, py, h, s] = [p[frontTop]! + 15, top * road.laneWidth + 1.95, 0.4, 12];
    if (r >= 8) [px, py] = [p[front0]! + (r === 8 ? 3 : 0.25), 2.2499];
    if (r === 2 && led.length > 0) [p[led[0]!], v[led[0]!]] = [p[road.leader[led[0]!]!]! - 4.9, 3];
    if (r === 7 && led.length > 0) {
      const j = led[led.length - 1]!;
      [p[j], v[j], v[road.leader[j]!]] = [p[road.leader[j]!]! - 5.5, 0.05, 0];
    }
    rows.pos.push(p);
    rows.vel.push(v);
    rows.x.push([px]);
    rows.y.push([py]);
    rows.heading.push([h]);
    rows.speed.push([s]);
  }
  return Object.fromEntries(Object.entries(rows).map(([k, values]) => [k, tf.tensor2d(values)]));
}
