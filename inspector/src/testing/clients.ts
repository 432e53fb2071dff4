/**
 * Raw HTTP and WebSocket clients for the inspector's tests: they set the Host and Origin
 * headers a browser would (Node's fetch ignores a Host override), and report refusals as
 * the status the server answered.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { SimulatedWorld } from '@netbearer/adapter-simulated';
import { NetworkConfigurationManager } from '@netbearer/core';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { type Inspector, type InspectorOptions, startInspector } from '../inspector.js';
import type { ServerMessage } from '../protocol.js';

export interface Started {
  readonly world: SimulatedWorld;
  readonly manager: NetworkConfigurationManager;
  readonly inspector: Inspector;
  readonly token: string;
  readonly origin: string;
}

/** Inspectors (and their managers) started here are closed after each test. */
export function useInspectors(): (options?: InspectorOptions) => Promise<Started> {
  const started: Started[] = [];
  afterEach(async () => {
    for (const s of started.splice(0)) {
      await s.inspector.close();
      await s.manager.dispose();
    }
  });
  return async (options = {}) => {
    const world = new SimulatedWorld({ connectDelay: 20, disconnectDelay: 5 });
    world.addAccessPoint({ name: 'wifi', identifier: 'sim:wifi', interfaceName: 'wlan0' });
    world.addAccessPoint({ name: 'lan', identifier: 'sim:lan', bearerType: 'Ethernet' });
    const manager = await NetworkConfigurationManager.create({ engines: [world.engine()] });
    const inspector = await startInspector(manager, { graphs: async () => [], ...options });
    const token = new URL(inspector.url).hash.replace('#token=', '');
    const s = { world, manager, inspector, token, origin: `http://127.0.0.1:${inspector.port}` };
    started.push(s);
    return s;
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A GET with exactly the Host header given (default the server's own). */
export function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        setHost: false,
        headers: { host: `127.0.0.1:${port}`, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export interface SocketOptions {
  readonly token?: string | undefined;
  readonly origin?: string | undefined;
  readonly host?: string;
  readonly path?: string;
}

export type Opened =
  | {
      readonly refused: false;
      readonly socket: WebSocket;
      readonly hello: ServerMessage;
      readonly messages: ServerMessage[];
    }
  | { readonly refused: true; readonly status: number };

/** Opens the inspector's socket as a page would, or says with which status it was refused. */
export function openSocket(s: Started, options: SocketOptions = {}): Promise<Opened> {
  const port = s.inspector.port;
  const token = 'token' in options ? options.token : s.token;
  const origin = 'origin' in options ? options.origin : s.origin;
  const path =
    options.path ?? `/ws${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
  const headers: Record<string, string> = { host: options.host ?? `127.0.0.1:${port}` };
  if (origin !== undefined) headers.origin = origin;
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers, maxPayload: 0 });
  const messages: ServerMessage[] = [];
  return new Promise((resolve, reject) => {
    socket.on('unexpected-response', (_req, res) => {
      resolve({ refused: true, status: res.statusCode ?? 0 });
      socket.terminate();
    });
    socket.on('error', (error) => reject(error));
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      messages.push(message);
      if (message.type === 'hello') resolve({ refused: false, socket, hello: message, messages });
    });
  });
}

/** Resolves with the close code once the server closes the socket. */
export function closed(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) resolve(1006);
    socket.on('close', (code) => resolve(code));
  });
}

/** Resolves with the first message that satisfies `test`, among those received or to come. */
export function message<T extends ServerMessage>(
  opened: Extract<Opened, { refused: false }>,
  test: (m: ServerMessage) => m is T,
  timeout = 5_000,
): Promise<T> {
  const found = opened.messages.find(test);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no such message in time')), timeout);
    const listen = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (!test(m)) return;
      clearTimeout(timer);
      opened.socket.off('message', listen);
      resolve(m);
    };
    opened.socket.on('message', listen);
  });
}

/**
 * A WebSocket upgrade written byte for byte (clients replace an empty Host): resolves with
 * the status code of the server's answer.
 */
export function rawUpgrade(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const lines = [
      `GET ${path} HTTP/1.1`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ];
    let answer = '';
    socket.on('data', (d: Buffer) => {
      answer += d.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (status) {
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(0));
    socket.write(lines.join('\r\n'));
  });
}
