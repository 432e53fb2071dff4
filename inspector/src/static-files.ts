import { realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page's files: `inspector/page/`, beside `src/` and `dist/`. */
export const pageDirectory = fileURLToPath(new URL('../page/', import.meta.url));

const types: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * The file a request path names inside `root`, with its MIME type; undefined for anything
 * else: `..` segments, encoded separators, NUL, other types, directories, or a symlink out.
 */
export async function staticFile(
  root: string,
  pathname: string,
): Promise<{ file: string; type: string } | undefined> {
  let path: string;
  try {
    path = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.includes('\\')) return undefined;
  if (path.split('/').some((segment) => segment === '..' || segment === '.')) return undefined;
  const type = types[extname(path).toLowerCase()];
  if (!type) return undefined;
  const base = resolve(root);
  const file = resolve(base, `.${path}`);
  if (!file.startsWith(base + sep)) return undefined;
  try {
    const real = await realpath(file);
    if (!real.startsWith((await realpath(base)) + sep)) return undefined;
    if (!(await stat(real)).isFile()) return undefined;
    return { file: real, type };
  } catch {
    return undefined;
  }
}
