import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The checks that keep the inspector to the person who started it: a 192-bit token, and the
 * Host and Origin headers of its own address (DNS rebinding and cross-site pages refused).
 */

/** A fresh 192-bit token, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison; anything but a string of the same length is refused. */
export function tokenMatches(given: unknown, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The names this server answers to: a rebound DNS name (`attacker.example`) is refused. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (typeof host !== 'string') return false;
  const h = host.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
}

/** The page's own origins: a page served by anyone else may not open the socket. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (typeof origin !== 'string') return false;
  const o = origin.toLowerCase();
  return o === `http://127.0.0.1:${port}` || o === `http://localhost:${port}`;
}

/** Headers on every response: scripts only from here, no framing, nothing cached or sniffed. */
export function securityHeaders(port: number): Record<string, string> {
  const sockets = `ws://127.0.0.1:${port} ws://localhost:${port}`;
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      `connect-src 'self' ${sockets}`,
      "img-src 'self' data:",
      "worker-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    // Another site may not embed these files (`<script src>`) to read them.
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };
}
