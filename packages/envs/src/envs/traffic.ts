import { tf, ConfigError } from '@pathwise/core';
import type { Rng } from '@pathwise/core';
import { defineEnv, type Env, type EnvOptions } from '../env.js';
import { smoothstep } from '../math.js';
import { constantCache } from '../constants.js';
import { trafficFused } from './traffic-fused.js';

// The single pace-car traffic task of GI-PPO (laurayuzheng/DiffRL, co-author's repository:
// envs/traffic/single_pace_car/{env,simulation}.py, envs/traffic/_simulation.py, _idm.py,
// diff_highway_env/kinematics.py, externals/traffic/.../micro_vehicle.py), rebuilt from its model
// description. One controlled car (kinematic bicycle model) drives ahead of IDM vehicles on a straight
// road of parallel lanes; the reward asks the IDM vehicles to travel at half the speed limit.
// The README documents the model and every constant; the differences from the reference are:
//  - which vehicle leads which: IDM vehicles never change lane and, with IDM, never pass each other,
//    and the episode ends as soon as any IDM vehicle is ahead of the pace car, so the leader of an IDM
//    vehicle is the next IDM vehicle in its lane, or the pace car for the front vehicle of the pace
//    car's lane. That structure is fixed per scenario (no argmin over vehicles is needed);
//  - the pace car's lane membership and its "is ahead" test are smoothsteps (C¹, exact outside a
//    0.5 m band at each lane edge and a 0.5 m band behind the front vehicle) instead of hard switches,
//    so the steering gets a gradient through the IDM interaction.

export const TRAFFIC = {
  laneWidth: 4,
  speedLimit: 20,
  desiredSpeed: 10,
  vehicleLength: 5,
  idmMaxAccel: 35,
  idmComfortDecel: 25,
  idmMinSpacing: 1.5,
  idmTimeHeadway: 0.4,
  idmDelta: 4,
  initialSpacing: 10,
  paceCarLead: 50,
  steeringBoundDeg: 20,
  accelerationBound: 8,
  dt: 0.03,
  episodeLength: 1000,
  collisionDistance: 2.5,
  tooFarDistance: 100,
  laneEdgeBand: 0.25,
  aheadBand: 0.5,
} as const;

export const TRAFFIC_SCENARIOS = {
  a: { lanes: 1, vehicles: 1 },
  b: { lanes: 2, vehicles: 4 },
  c: { lanes: 3, vehicles: 9 },
  d: { lanes: 4, vehicles: 16 },
  e: { lanes: 10, vehicles: 10 },
} as const;

export type TrafficScenario = keyof typeof TRAFFIC_SCENARIOS;

export interface TrafficOptions extends EnvOptions {
  /** Override the scenario's lane count (with `vehicles`, makes a custom road). */
  lanes?: number;
  vehicles?: number;
}

// IDM vehicles: pos, vel [B, N]. Pace car: x, y, heading, speed as [B, 1] columns, which broadcast
// against [B, N] and avoid column slicing (slow on the cpu backend).
type State = { pos: tf.Tensor; vel: tf.Tensor; x: tf.Tensor; y: tf.Tensor; heading: tf.Tensor; speed: tf.Tensor } & Record<string, tf.Tensor>;

interface Layout {
  lane: number[];
  position: number[];
  /** Index (into IDM vehicles + the pace car at index N) of each vehicle's leader. */
  leader: number[];
  front: number[];
  /** Longitudinal start of the pace car per lane. */
  paceCarStart: number[];
}

/** The reference's allocation: ⌊N/L⌋ vehicles per lane, the remainder to the first lanes, 10 m apart. */
function layout(lanes: number, vehicles: number): Layout {
  const perLane = Array.from({ length: lanes }, (_, l) => Math.floor(vehicles / lanes) + (l < vehicles % lanes ? 1 : 0));
  const lane: number[] = [];
  const position: number[] = [];
  const leader: number[] = [];
  const front: number[] = [];
  const paceCarStart: number[] = [];
  for (let l = 0; l < lanes; l++) {
    const count = perLane[l]!;
    for (let j = 0; j < count; j++) {
      lane.push(l);
      position.push(j * TRAFFIC.initialSpacing);
      const isFront = j === count - 1;
      leader.push(isFront ? vehicles : lane.length); // the next vehicle of this lane was pushed right after
      front.push(isFront ? 1 : 0);
    }
    paceCarStart.push(Math.max(count - 1, 0) * TRAFFIC.initialSpacing + TRAFFIC.paceCarLead);
  }
  return { lane, position, leader, front, paceCarStart };
}

type Constants = {
  laneY: tf.Tensor;
  /** [N+1, N] 0/1 matrix: column i picks vehicle i's leader (a matMul, whose gradient every backend has). */
  leader: tf.Tensor;
  front: tf.Tensor;
  nonFront: tf.Tensor;
  /** [2, 1] columns picking the steering / acceleration column of the action (a matMul; slicing is slow on cpu). */
  pickSteering: tf.Tensor;
  pickAcceleration: tf.Tensor;
};

export function trafficEnv(scenario: TrafficScenario, options: TrafficOptions = {}): Env<State> {
  const base = TRAFFIC_SCENARIOS[scenario];
  if (base === undefined) throw new ConfigError('scenario', scenario, `one of ${Object.keys(TRAFFIC_SCENARIOS).join(', ')}`);
  const lanes = options.lanes ?? base.lanes;
  const vehicles = options.vehicles ?? base.vehicles;
  if (!Number.isInteger(lanes) || lanes < 1) throw new ConfigError('lanes', lanes, 'a positive integer');
  if (!Number.isInteger(vehicles) || vehicles < 1) throw new ConfigError('vehicles', vehicles, 'a positive integer');
  const c = TRAFFIC;
  const road = layout(lanes, vehicles);
  const n = vehicles;
  const steeringBound = (c.steeringBoundDeg * Math.PI) / 180;
  const idmSpacingGain = 1 / (2 * Math.sqrt(c.idmMaxAccel * c.idmComfortDecel));
  const topEdge = (lanes - 1) * c.laneWidth + c.laneWidth / 2;

  const constants = constantCache<Constants>(() => ({
    laneY: tf.tensor1d(road.lane.map((l) => l * c.laneWidth)),
    leader: tf.tensor2d(Array.from({ length: n + 1 }, (_, j) => road.leader.map((l) => (l === j ? 1 : 0)))),
    front: tf.tensor1d(road.front),
    nonFront: tf.tensor1d(road.front.map((f) => 1 - f)),
    pickSteering: tf.tensor2d([[1], [0]]),
    pickAcceleration: tf.tensor2d([[0], [1]]),
  }));

  const name = options.lanes === undefined && options.vehicles === undefined ? `traffic-${scenario}` : `traffic-${lanes}x${vehicles}`;
  return defineEnv<State>(
    {
      name,
      description: `Traffic pace car ${scenario.toUpperCase()} (${lanes} lane${lanes > 1 ? 's' : ''}, ${n} IDM vehicle${n > 1 ? 's' : ''}): steer and accelerate so the IDM vehicles drive at 10 m/s; 1000 steps of 0.03 s`,
      obsDim: 4 * (n + 1),
      actDim: 2,
      episodeLength: c.episodeLength,
      action: { names: ['steering', 'acceleration'], units: ['rad', 'm/s²'], low: [-steeringBound, -c.accelerationBound], high: [steeringBound, c.accelerationBound] },
      rewardDescription: 'r = 1 - min(mean_i |v_i - 10| / 10, 1) over IDM vehicles; -1 and terminated on collision (< 2.5 m), leaving the lanes, > 100 m from every vehicle, or any IDM vehicle ahead',
      observationNames: [
        ...['pace', ...range(n).map((i) => `idm${i}`)].map((v) => `${v}_dx`),
        ...['pace', ...range(n).map((i) => `idm${i}`)].map((v) => `${v}_dy`),
        ...['pace', ...range(n).map((i) => `idm${i}`)].map((v) => `${v}_vx`),
        ...['pace', ...range(n).map((i) => `idm${i}`)].map((v) => `${v}_vy`),
      ],
      constants: { ...c, lanes, vehicles: n, source: 'laurayuzheng/DiffRL envs/traffic/single_pace_car (GI-PPO traffic)' },
      init: (batch: number, rng: Rng) => {
        const x = new Float32Array(batch);
        const y = new Float32Array(batch);
        for (let b = 0; b < batch; b++) {
          const lane = rng.int(lanes);
          x[b] = road.paceCarStart[lane]!;
          y[b] = lane * c.laneWidth;
        }
        const positions = Float32Array.from({ length: batch * n }, (_, k) => road.position[k % n]!);
        return {
          pos: tf.tensor2d(positions, [batch, n]),
          vel: tf.zeros([batch, n]),
          x: tf.tensor2d(x, [batch, 1]),
          y: tf.tensor2d(y, [batch, 1]),
          heading: tf.zeros([batch, 1]),
          speed: tf.zeros([batch, 1]),
        };
      },
      observe: (state) => {
        const { laneY } = constants();
        const zero = tf.zerosLike(state.x);
        return tf.concat(
          [zero, tf.sub(state.pos, state.x), zero, tf.sub(laneY, state.y), tf.mul(state.speed, tf.cos(state.heading)), state.vel, tf.mul(state.speed, tf.sin(state.heading)), tf.zerosLike(state.vel)],
          1,
        );
      },
      // The same step as one kernel (traffic-fused.ts); `transition` below stays the reference.
      fused: trafficFused(c, { ...road, lanes, laneWidth: c.laneWidth }),
      transition: (state, action) => {
        const k = constants();
        const { pos, vel, x: px, y: py, heading, speed } = state;
        const steer = tf.matMul(action, k.pickSteering);
        const accel = tf.matMul(action, k.pickAcceleration);

        // IDM vehicles, from the state before the step. Candidate leaders: IDM vehicles, then the pace car.
        // (A selection matMul rather than tf.gather: gather's gradient needs UnsortedSegmentSum, which wasm lacks.)
        const leaderPos = tf.matMul(tf.concat([pos, px], 1), k.leader);
        const leaderVel = tf.matMul(tf.concat([vel, speed], 1), k.leader);
        const gap = tf.maximum(tf.sub(tf.sub(leaderPos, pos), c.vehicleLength), 1e-3);
        const desiredGap = tf.relu(tf.add(tf.add(tf.mul(vel, c.idmTimeHeadway), c.idmMinSpacing), tf.mul(tf.mul(vel, tf.sub(vel, leaderVel)), idmSpacingGain)));
        const interaction = tf.square(tf.div(desiredGap, gap));
        // The pace car leads the front vehicle of its lane only while in that lane and ahead of it.
        const inLane = smoothstep(tf.mul(tf.sub(c.laneWidth / 2 + c.laneEdgeBand, tf.abs(tf.sub(py, k.laneY))), 1 / (2 * c.laneEdgeBand)));
        const ahead = smoothstep(tf.mul(tf.sub(px, pos), 1 / c.aheadBand));
        const weight = tf.add(k.nonFront, tf.mul(k.front, tf.mul(inLane, ahead)));
        const freeRoad = tf.square(tf.square(tf.mul(vel, 1 / c.speedLimit)));
        const acc = tf.mul(tf.sub(tf.sub(1, freeRoad), tf.mul(weight, interaction)), c.idmMaxAccel);
        const newVel = tf.relu(tf.add(vel, tf.mul(acc, c.dt)));
        const newPos = tf.add(pos, tf.mul(vel, c.dt));

        // Pace car: kinematic bicycle model (highway-env), slip angle β = atan(½ tan δ).
        const beta = tf.atan(tf.mul(tf.tan(tf.mul(steer, steeringBound)), 0.5));
        const travel = tf.mul(speed, c.dt);
        const course = tf.add(heading, beta);
        const newX = tf.add(px, tf.mul(travel, tf.cos(course)));
        const newY = tf.add(py, tf.mul(travel, tf.sin(course)));
        const newHeading = tf.add(heading, tf.mul(tf.mul(travel, tf.sin(beta)), 2 / c.vehicleLength));
        const newSpeed = tf.add(speed, tf.mul(accel, c.accelerationBound * c.dt));

        const deviation = tf.mean(tf.abs(tf.sub(newVel, c.desiredSpeed)), 1);
        const speedReward = tf.sub(1, tf.minimum(tf.mul(deviation, 1 / c.desiredSpeed), 1));

        const dx = tf.sub(newX, newPos);
        const nearest = tf.min(tf.add(tf.square(dx), tf.square(tf.sub(newY, k.laneY))), 1);
        const y1 = tf.reshape(newY, [-1]);
        const terminated = tf.logicalOr(
          tf.logicalOr(tf.less(nearest, c.collisionDistance ** 2), tf.greater(nearest, c.tooFarDistance ** 2)),
          tf.logicalOr(tf.less(tf.min(dx, 1), 0), tf.logicalOr(tf.lessEqual(y1, -c.laneWidth / 2), tf.greaterEqual(y1, topEdge))),
        );
        const reward = tf.where(terminated, tf.fill(speedReward.shape, -1), speedReward);
        return {
          state: { pos: newPos, vel: newVel, x: newX, y: newY, heading: newHeading, speed: newSpeed },
          reward,
          terminated,
        };
      },
    },
    options,
  );
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
