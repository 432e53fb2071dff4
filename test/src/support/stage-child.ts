/**
 * Stages a child process that a test runs as another user (`runuser -u nobody`) where that
 * user can read it. The checkout may not be readable by anyone else (a clone under a 0700
 * directory, root's home), so the child must not load anything from it: its entry and the
 * workspace packages it imports are transpiled from their TypeScript sources (what vitest
 * runs, never a stale dist) into a fresh 0755 directory under the system temp directory,
 * beside copies of their third-party dependencies. `cleanup()` removes it all.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Workspace packages by folder, as the vitest aliases map them. */
const workspace: Record<string, string> = {
  '@netbearer/machines': 'machines',
  '@netbearer/core': 'core',
  '@netbearer/adapter-simulated': 'adapters/simulated',
  '@netbearer/adapter-generic': 'adapters/generic',
  '@netbearer/adapter-networkmanager': 'adapters/networkmanager',
  '@netbearer/access': 'access',
};

export interface StagedChild {
  /** The staged directory (0755, readable and searchable by every user). */
  readonly dir: string;
  /** The child's entry, transpiled: run it with `node <entry>`. */
  readonly entry: string;
  cleanup(): Promise<void>;
}

/**
 * Stages `entry` (a TypeScript file of the repository, e.g. 'test/src/support/child.ts') with
 * every workspace package it imports (by name) and their dependencies.
 */
export async function stageChild(entry: string): Promise<StagedChild> {
  const dir = await mkdtemp(join(tmpdir(), 'netbearer-child-'));
  try {
    await chmod(dir, 0o755);
    const modules = join(dir, 'node_modules');
    const staged = new Map<string, string>(); // third-party name -> real path staged at top
    const workspaceDone = new Set<string>();

    // Flat, as npm lays out a tree without conflicts; two versions of one package are refused.
    const stageThirdParty = (name: string, from: string): void => {
      const source = findPackage(name, from);
      const existing = staged.get(name);
      if (existing === source) return;
      if (existing !== undefined) {
        throw new Error(`stageChild: two versions of ${name} (${existing}, ${source})`);
      }
      staged.set(name, source);
      const target = join(modules, name);
      // The package's own node_modules (pnpm's links) is not copied: its dependencies are
      // staged from the graph below.
      cpSync(source, target, {
        recursive: true,
        dereference: true,
        filter: (path) => !relative(source, path).split(sep).includes('node_modules'),
      });
      // Optional dependencies (dbus-next's native usocket) are left out: not built here, the
      // parent loads without them too.
      for (const dep of Object.keys(packageJson(source).dependencies ?? {})) {
        stageThirdParty(dep, source);
      }
    };

    const stageWorkspace = (name: string): void => {
      const folder = workspace[name];
      if (folder === undefined) throw new Error(`${name} is not a workspace package`);
      if (workspaceDone.has(name)) return;
      workspaceDone.add(name);
      const target = join(modules, name);
      transpileTree(join(root, folder, 'src'), target);
      writeFileSync(
        join(target, 'package.json'),
        JSON.stringify({ name, type: 'module', exports: './index.js' }),
      );
      for (const [dep, version] of Object.entries(
        packageJson(join(root, folder)).dependencies ?? {},
      )) {
        if (String(version).startsWith('workspace:')) stageWorkspace(dep);
        else stageThirdParty(dep, join(root, folder));
      }
    };

    // The entry and the repository files it imports by relative path, at their own paths.
    const local = new Set<string>();
    const stageLocal = (file: string): void => {
      if (local.has(file)) return;
      local.add(file);
      transpileFile(file, join(dir, 'child', relative(root, file)).replace(/\.ts$/, '.js'));
      for (const specifier of imports(file)) {
        if (specifier.startsWith('.'))
          stageLocal(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else if (specifier.startsWith('node:')) continue;
        else {
          const name = packageName(specifier);
          if (name in workspace) stageWorkspace(name);
          else stageThirdParty(name, dirname(file));
        }
      }
    };
    const source = join(root, entry);
    stageLocal(source);
    writeFileSync(join(dir, 'child', 'package.json'), '{"type":"module"}');
    makeReadable(dir);
    return {
      dir,
      entry: join(dir, 'child', relative(root, source)).replace(/\.ts$/, '.js'),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The real directory of package `name` as Node would resolve it from `from`. */
function findPackage(name: string, from: string): string {
  for (let dir = realpathSync(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) throw new Error(`cannot find package ${name} from ${from}`);
  }
}

function packageJson(dir: string): { dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** The module specifiers a TypeScript file imports or re-exports. */
function imports(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return [...new Set(info.importedFiles.map((f) => f.fileName))];
}

/** 'a/b' -> 'a', '@s/a/b' -> '@s/a'. */
function packageName(specifier: string): string {
  return specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
}

/** Every non-test .ts file under `from`, transpiled to .js under `to` with the same layout. */
function transpileTree(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const path = join(from, entry.name);
    if (entry.isDirectory()) transpileTree(path, join(to, entry.name));
    else if (entry.name.endsWith('.ts') && !/\.(test|d)\.ts$/.test(entry.name)) {
      transpileFile(path, join(to, entry.name.replace(/\.ts$/, '.js')));
    }
  }
}

function transpileFile(from: string, to: string): void {
  const { outputText } = ts.transpileModule(readFileSync(from, 'utf8'), {
    fileName: from,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      sourceMap: false,
    },
  });
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, outputText);
}

/** Directories 0755, files 0644: copied modes (a clone made under umask 077) may be tighter. */
function makeReadable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeReadable(path);
    else if (entry.isFile()) chmodSync(path, 0o644);
  }
}
