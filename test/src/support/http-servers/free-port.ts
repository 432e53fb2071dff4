/** A TCP port nobody listens on right now, for servers that cannot report the port they bound. */
import { createServer } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port was bound');
  return address.port;
}

/** Whether something accepts TCP connections on host:port now. */
export async function accepting(port: number, host = '127.0.0.1'): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Runs `start` on fresh free ports until it is not beaten to one of them by another process
 * (the port is free when picked, not necessarily when the server binds it).
 */
export async function retryingPortRaces<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      // nginx and microsocks say "Address already in use", tinyproxy less.
      const raced = /address already in use|EADDRINUSE|could not create listening sockets/i.test(
        String(error),
      );
      if (!raced || attempt >= attempts) throw error;
    }
  }
}
