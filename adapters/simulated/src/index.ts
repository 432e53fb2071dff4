export { createDemoWorld } from './demo-world.js';
export { SimulatedEngine } from './simulated-engine.js';
export {
  type AccessPointOptions,
  fullCapabilities,
  type ServiceNetworkOptions,
  SimulatedWorld,
  type WorldOptions,
} from './simulated-world.js';
