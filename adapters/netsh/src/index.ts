export { netshArgs, quotedTag, systemProgram, unsafeReason } from './argv.js';
export { type CaptureProbe, uiCultureScript, windowsCaptureProbes } from './capture-probes.js';
export {
  codePageEncoding,
  type DecodedText,
  decodeBytes,
  defaultCodePage,
  encodeText,
  parseCodePage,
} from './decode.js';
export {
  type Backoff,
  createNetshEngine,
  type NetshEngine,
  type NetshEngineOptions,
} from './engine.js';
export {
  type HelperReport,
  helperArgs,
  helperScript,
  informationOf,
  parseHelperLine,
  reachabilityOf,
} from './helper.js';
export { parseInterfaces, type WlanInterface } from './interfaces.js';
export { type AccessPoint, parseNetworks, type VisibleNetwork } from './networks.js';
export {
  type ProfileDetails,
  parseProfileDetails,
  parseProfiles,
  type SavedProfile,
} from './profiles.js';
export {
  detectRefusal,
  type InterfaceRow,
  type NetshRefusal,
  parseInterfaceTable,
  parseSubinterfaces,
  type SubinterfaceRow,
} from './tables.js';
export { ParseError } from './text.js';
