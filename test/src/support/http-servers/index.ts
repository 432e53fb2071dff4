/**
 * The real servers the access manager is tested against, each started by the test on loopback
 * with free ports in a private temporary directory, and each with a `stop()` that leaves no
 * process and no file behind. See the files for what each serves.
 */
export { type CertificateFiles, certificates, type TestCertificates } from './certificates.js';
export {
  type ErrorCause,
  type ErrorRig,
  type ErrorRigServers,
  errorCauses,
  type ServerCausedError,
  startErrorRig,
} from './error-causes.js';
export {
  type FaultServer,
  type RecordedRequest,
  startFaultServer,
} from './fault-server.js';
export { accepting, freePort, retryingPortRaces } from './free-port.js';
export { type Httpbin, startHttpbin } from './httpbin.js';
export { type Microsocks, type MicrosocksOptions, startMicrosocks } from './microsocks.js';
export {
  type AccessLogEntry,
  type BadCertificate,
  type Nginx,
  type NginxOptions,
  type ServedFile,
  startNginx,
} from './nginx.js';
export { seededBytes, sha256 } from './seeded-bytes.js';
export { alive, runningServers, type ServerProcess } from './server-process.js';
export {
  type ProxiedRequest,
  startTinyproxy,
  type Tinyproxy,
  type TinyproxyOptions,
} from './tinyproxy.js';
