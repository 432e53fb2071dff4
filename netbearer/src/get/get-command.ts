import { once } from 'node:events';
import {
  NetworkAccessManager,
  type NetworkReply,
  NetworkRequest,
  networkErrorOfStatus,
  proxiesFromEnvironment,
} from '@netbearer/access';
import type { NetworkConfiguration, NetworkConfigurationManager } from '@netbearer/core';
import type { Terminal } from '../command-line.js';
import { findConfiguration } from '../commands/open.js';
import { printable } from '../terminal-text.js';
import type { GetOptions } from './get-options.js';
import { OutputFile } from './output-file.js';
import { ProgressBar } from './progress-bar.js';
import { type ResumedRange, ResumeWatch } from './resume-watch.js';
import { SessionReport } from './session-report.js';

/** The one-line summary `--json` prints. */
export interface GetSummary {
  readonly url: string;
  /** The URL answered, after redirects. */
  readonly finalUrl: string;
  readonly method: string;
  /** HTTP status, or null when no response came. */
  readonly status: number | null;
  /** Qt's NetworkError name; NoError on success. */
  readonly error: string;
  readonly errorString: string | null;
  /** Body bytes received (decoded). */
  readonly bytes: number;
  readonly fromCache: boolean;
  /** Parts asked for again after the session roamed (Range: bytes=<from>-). */
  readonly resumedRanges: readonly ResumedRange[];
  /** The configurations the session ran over, in order (none for loopback, file:, data:). */
  readonly configurations: readonly string[];
  readonly output: string | null;
  readonly timing: { readonly headersMs: number | null; readonly totalMs: number };
}

/** Where the body goes: a file renamed into place on success, stdout, or nowhere (--json). */
interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * `netbearer get`: one request through the access manager, the body to stdout or a file, the
 * session's doings on stderr, a progress bar when stderr is a terminal. Exit 0 on success,
 * 1 with the NetworkError name and message on failure.
 */
export async function getCommand(
  manager: NetworkConfigurationManager,
  options: GetOptions,
  terminal: Terminal,
): Promise<number> {
  const started = performance.now();
  let configuration: NetworkConfiguration | undefined;
  if (options.configuration !== undefined) {
    const found = findConfiguration(manager, options.configuration);
    if (typeof found === 'string') {
      terminal.err(`netbearer: InvalidConfigurationError: ${found}`);
      return 1;
    }
    configuration = found;
  }
  const sink = await openSink(options, terminal);
  if (typeof sink === 'string') {
    terminal.err(`netbearer: OutputError: ${sink}`);
    return 1;
  }
  const bar = terminal.progress ? new ProgressBar(terminal.progress) : undefined;
  const say = (line: string) => {
    bar?.clear();
    terminal.err(line);
  };
  const nam = new NetworkAccessManager({
    manager,
    ...(configuration ? { configuration } : {}),
    // The terminal's environment, not necessarily this process's: HTTP(S)_PROXY, NO_PROXY.
    proxy: options.proxy ?? ((query) => proxiesFromEnvironment(terminal.env, query.url)),
  });
  const report = new SessionReport(nam, manager, say);
  const resumes = new ResumeWatch(started);
  try {
    const request = new NetworkRequest(options.url, { headers: options.headers });
    const reply = nam.sendCustomRequest(request, options.verb, options.body);
    // The body is written as it comes: a slow stdout must hold the download back, not memory.
    reply.setReadBufferSize(1024 * 1024);
    let headersAt: number | undefined;
    reply.once('metaDataChanged', () => {
      headersAt ??= performance.now();
    });
    if (bar) reply.on('downloadProgress', (received, total) => bar.update(received, total));
    const abort = () => reply.abort();
    terminal.interrupted.addEventListener('abort', abort, { once: true });
    const outcome = await transfer(reply, sink, terminal.interrupted).finally(() =>
      terminal.interrupted.removeEventListener('abort', abort),
    );
    bar?.clear();
    const failed = outcome.writeError !== undefined || reply.error() !== 'NoError';
    await (failed ? sink.discard() : sink.commit());
    if (outcome.writeError !== undefined) {
      terminal.err(`netbearer: OutputError: ${outcome.writeError}`);
    } else if (reply.error() !== 'NoError') {
      terminal.err(`netbearer: ${reply.error()}: ${printable(reply.errorString())}`);
    }
    if (options.json) {
      const summary = summarize(reply, options, outcome.bytes, resumes.ranges, report, {
        headersMs: headersAt === undefined ? null : Math.round(headersAt - started),
        totalMs: Math.round(performance.now() - started),
      });
      terminal.out(JSON.stringify(summary));
    }
    return failed ? 1 : 0;
  } finally {
    bar?.clear();
    report.dispose();
    resumes.dispose();
    await nam.dispose();
  }
}

/** Copies the body into the sink as it arrives; an HTTP error's page is not kept. */
async function transfer(
  reply: NetworkReply,
  sink: Sink,
  interrupted: AbortSignal,
): Promise<{ bytes: number; writeError?: string }> {
  let bytes = 0;
  let keep: boolean | undefined;
  try {
    for await (const chunk of reply) {
      bytes += chunk.byteLength;
      keep ??=
        networkErrorOfStatus(reply.attribute('HttpStatusCodeAttribute') ?? 200) === 'NoError';
      if (keep) await sink.write(chunk);
    }
  } catch (error) {
    // The reply's own failure is in reply.error(); anything else is the sink's.
    if (reply.isFinished() && reply.error() !== 'NoError') return { bytes };
    reply.abort();
    if (interrupted.aborted) return { bytes };
    const code = (error as NodeJS.ErrnoException).code;
    return { bytes, writeError: `cannot write the body: ${code ?? String(error)}` };
  }
  return { bytes };
}

async function openSink(options: GetOptions, terminal: Terminal): Promise<Sink | string> {
  if (options.output !== undefined) {
    try {
      return await OutputFile.create(options.output);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return `cannot write ${printable(options.output)} (${code})`;
    }
  }
  const stdout = terminal.stdout;
  // With --json stdout carries the summary: without -o the body is counted, not written.
  if (options.json || !stdout) return { write: async () => {}, commit: noop, discard: noop };
  return {
    write: async (chunk) => {
      if (!stdout.write(chunk)) await once(stdout, 'drain', { signal: terminal.interrupted });
    },
    commit: noop,
    discard: noop,
  };
}

async function noop(): Promise<void> {}

function summarize(
  reply: NetworkReply,
  options: GetOptions,
  bytes: number,
  resumedRanges: readonly ResumedRange[],
  report: SessionReport,
  timing: GetSummary['timing'],
): GetSummary {
  const failed = reply.error() !== 'NoError';
  return {
    url: options.url,
    finalUrl: reply.url(),
    method: options.verb,
    status: reply.attribute('HttpStatusCodeAttribute') ?? null,
    error: reply.error(),
    errorString: failed ? reply.errorString() : null,
    bytes,
    fromCache: reply.attribute('SourceIsFromCacheAttribute') === true,
    resumedRanges,
    configurations: report.configurations,
    output: failed ? null : (options.output ?? null),
    timing,
  };
}
