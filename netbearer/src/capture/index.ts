export * from './bundle-format.js';
export { readBundle } from './bundle-reader.js';
export { writeBundle } from './bundle-writer.js';
export { BundleError, type BundleErrorKind, ReplayMismatchError } from './errors.js';
export { createRecordingRunner, type RecordingRunner } from './recording-runner.js';
export { createRedactor, type Redactor, redactRecording } from './redaction.js';
export { createReplayRunner, type ReplayOptions, type ReplayRunner } from './replay-runner.js';
