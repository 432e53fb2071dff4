/**
 * python3-httpbin (Debian's, run by /usr/bin/python3: the `python3` on PATH may be another
 * Python without it) on werkzeug's threaded server, speaking HTTP/1.1 with keep-alive and
 * taking chunked request bodies (streams) too.
 */
import { privateDirectory, type ServerProcess, startServerProcess } from './server-process.js';

export interface Httpbin {
  /** http://127.0.0.1:<port> */
  origin: string;
  process: ServerProcess;
  stop(): Promise<void>;
}

// Binds port 0 and prints the port it got: no race for a free port. Without TCP_NODELAY each
// keep-alive response waits on the client's delayed ACK (about 40 ms a request).
const runner = `
import sys
from werkzeug.serving import make_server, WSGIRequestHandler
from httpbin import app
def chunked_too(environ, start_response):
    # werkzeug's server de-chunks request bodies; httpbin refuses them (501) unless it believes
    # it runs under gunicorn.
    if environ.get('HTTP_TRANSFER_ENCODING', '').lower() == 'chunked':
        environ['SERVER_SOFTWARE'] = 'gunicorn/werkzeug'
    return app(environ, start_response)
class Handler(WSGIRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True
server = make_server(sys.argv[1], 0, chunked_too, threaded=True, request_handler=Handler)
print('listening on port', server.server_port, flush=True)
server.serve_forever()
`;

export async function startHttpbin(options: { host?: string } = {}): Promise<Httpbin> {
  const host = options.host ?? '127.0.0.1';
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  // A pyenv or virtualenv of the caller must not leak into Debian's interpreter.
  for (const name of ['PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV', 'PYENV_VERSION']) delete env[name];
  let port = 0;
  const server = await startServerProcess({
    name: 'httpbin',
    directory: privateDirectory('httpbin'),
    argv: ['/usr/bin/python3', '-c', runner, host],
    env,
    ready: (output) => {
      port = Number(/listening on port (\d+)/.exec(output)?.[1] ?? 0);
      return port > 0;
    },
  });
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    process: server,
    stop: () => server.stop(),
  };
}
