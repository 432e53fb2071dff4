/**
 * Node module hooks that run the workspace's TypeScript sources directly, the way vitest's
 * aliases do, for child processes a test starts as another user (permission tests): those
 * cannot share the vitest worker, and the packages' dist may be stale or absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = new URL('../../../', import.meta.url);
const aliases = {
  '@netbearer/machines': 'machines/src/index.ts',
  '@netbearer/core': 'core/src/index.ts',
  '@netbearer/adapter-networkmanager': 'adapters/networkmanager/src/index.ts',
};

export async function resolve(specifier, context, next) {
  const alias = aliases[specifier];
  if (alias) return { url: new URL(alias, root).href, shortCircuit: true };
  if (
    specifier.startsWith('.') &&
    specifier.endsWith('.js') &&
    context.parentURL?.endsWith('.ts')
  ) {
    const candidate = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const source = readFileSync(fileURLToPath(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      sourceMap: false,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}

export const rootPath = fileURLToPath(root);
export const hooksUrl = pathToFileURL(fileURLToPath(import.meta.url)).href;
