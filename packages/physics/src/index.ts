export { Tape, ZERO, ONE, type Node } from './tape.js';
export { parseXml, type XmlElement } from './xml.js';
export { loadMjcf, type MjcfOverrides } from './mjcf.js';
export { recordStep, type StepOptions } from './sim.js';
export { runForward, runBackward, DEFAULT_LANES, type Field, type TapeProgram } from './batch.js';
export { hopperModel, antModel, DIFFRL_STEP, HOPPER_DIFFRL, ANT_DIFFRL } from './models/diffrl.js';
export { HOPPER_XML } from './models/hopper-xml.js';
export { ANT_XML } from './models/ant-xml.js';
export type { Model, Link, Dof, Actuator, ContactParams, ContactSphere, JointType, Vec3, Mat3 } from './model.js';
