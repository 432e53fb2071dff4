export {
  type AirportEngine,
  type AirportEngineOptions,
  airportPaths,
  createAirportEngine,
} from './engine.js';
export * from './identifiers.js';
export {
  type AirportInfo,
  type AirportScan,
  parseAirportInfo,
  parseAirportScan,
  type ScanEntry,
} from './parsers/airport.js';
export { type IpconfigSummary, parseIpconfigSummary } from './parsers/ipconfig.js';
export { type InterfaceCounters, parseNetstatBytes } from './parsers/netstat.js';
export {
  type HardwarePort,
  type PreferredNetworks,
  parseAirportPower,
  parseHardwarePorts,
  parsePreferredNetworks,
} from './parsers/networksetup.js';
export { type PlistValue, parseAirportScanPlist, parsePlist } from './parsers/plist.js';
export {
  type NetworkInformationSummary,
  parseChangedKey,
  parseNwi,
  parseWatchLine,
  parseWatchOutput,
  type WatchLine,
  type WatchNotification,
} from './parsers/scutil.js';
export { type ProfiledInterface, parseSystemProfiler } from './parsers/system-profiler.js';
export { parseWdutil, type WdutilInfo } from './parsers/wdutil.js';
export { ParseError, type ParseResult } from './text.js';
