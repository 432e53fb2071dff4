/**
 * The published types show the API, not core's machinery: nothing reachable from the public
 * entries (`@netbearer/core`, and `netbearer`, which re-exports it) declares the internals
 * below. They live in `@netbearer/core/internal`, a subpath for netbearer's own tests.
 *
 * Core's declarations are emitted in memory from its sources with its own tsconfig, so this
 * does not depend on a build being current; the built `dist` of core and netbearer is checked
 * as well (`tsc -b` runs before the tests in `npm test`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const coreDir = fileURLToPath(new URL('..', import.meta.url));
const netbearerDir = resolve(coreDir, '../netbearer');

/** Names no public declaration may have: as a member, a declaration or an export. */
const internalNames = [
  'host',
  'queue',
  'handleOf',
  'handleFor',
  'recordOf',
  'forRecord',
  'attachRecord',
  'environmentOf',
  'hostOf',
  'bindingOf',
  'linkConfigurators',
  'viewOf',
  'takesPartInRoaming',
  'connectsInBackground',
  'usagePoliciesMayHaveChanged',
  'SessionHost',
  'SessionEnvironment',
  'ConfigurationDirectory',
  'Binding',
  'BindingOwner',
  'ServiceNetworks',
  'RoamOffers',
  'linkLogicOver',
  'Link',
];

/** Files that only the internal entry reaches. */
const internalFiles = [
  'internal.d.ts',
  'session-host.d.ts',
  'binding.d.ts',
  'service-network.d.ts',
  'roam-offers.d.ts',
  'link-logic.d.ts',
  'link.d.ts',
];

/** Core's .d.ts files, emitted in memory from the sources, by file name. */
function emitCoreDeclarations(): Map<string, string> {
  const configPath = join(coreDir, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  expect(parsed.options.stripInternal, 'core/tsconfig.json keeps stripInternal').toBe(true);
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: {
      ...parsed.options,
      noEmit: false,
      emitDeclarationOnly: true,
      declarationMap: false,
      sourceMap: false,
      incremental: false,
      composite: false,
    },
    ...(parsed.projectReferences ? { projectReferences: parsed.projectReferences } : {}),
  });
  const out = new Map<string, string>();
  program.emit(
    undefined,
    (fileName, text) => {
      if (fileName.endsWith('.d.ts')) out.set(fileName.slice(fileName.lastIndexOf('/') + 1), text);
    },
    undefined,
    true,
  );
  return out;
}

/** Every relative module a declaration file imports or re-exports. */
function relativeImports(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/(?:from\s+|import\()\s*'(\.[^']+)'/g)) {
    found.add(match[1]!.replace(/\.js$/, '.d.ts').replace(/^\.\//, ''));
  }
  return [...found];
}

/** The declaration files reachable from `entry`, by file name. */
function closure(files: ReadonlyMap<string, string>, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const text = files.get(name);
    if (text === undefined) throw new Error(`${entry} reaches ${name}, which was not emitted`);
    seen.add(name);
    // Imports are relative to the importing file (netbearer's dist has subdirectories).
    const here = posix.dirname(name);
    for (const next of relativeImports(text)) visit(posix.normalize(posix.join(here, next)));
  };
  visit(entry);
  return [...seen].sort();
}

/** The names a declaration file declares, exports, or gives as members, with where. */
function declaredNames(fileName: string, text: string): Array<{ name: string; where: string }> {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const names: Array<{ name: string; where: string }> = [];
  const visit = (node: ts.Node, owner: string) => {
    let here = owner;
    const named = node as ts.Node & { name?: ts.Node };
    if (
      named.name &&
      (ts.isIdentifier(named.name) || ts.isStringLiteral(named.name)) &&
      (ts.isClassElement(node) ||
        ts.isTypeElement(node) ||
        ts.isClassDeclaration(node) ||
        ts.isInterfaceDeclaration(node) ||
        ts.isTypeAliasDeclaration(node) ||
        ts.isFunctionDeclaration(node) ||
        ts.isVariableDeclaration(node) ||
        ts.isEnumDeclaration(node) ||
        ts.isModuleDeclaration(node) ||
        ts.isExportSpecifier(node) ||
        ts.isParameterPropertyDeclaration(node, node.parent))
    ) {
      names.push({ name: named.name.text, where: `${fileName} ${owner}`.trim() });
      if (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) here = named.name.text;
    }
    ts.forEachChild(node, (child) => visit(child, here));
  };
  visit(source, '');
  return names;
}

function membersOf(text: string, fileName: string, declaration: string): string[] {
  return declaredNames(fileName, text)
    .filter(({ where }) => where === `${fileName} ${declaration}`)
    .map(({ name }) => name);
}

function expectNoInternals(files: ReadonlyMap<string, string>, reachable: readonly string[]) {
  const leaks = reachable.flatMap((file) =>
    declaredNames(file, files.get(file)!)
      .filter(({ name }) => internalNames.includes(name))
      .map(({ name, where }) => `${name} (${where})`),
  );
  expect(leaks).toEqual([]);
  for (const file of internalFiles) expect(reachable).not.toContain(file);
}

function readDeclarations(dir: string): Map<string, string> {
  if (!existsSync(dir)) {
    throw new Error(`${dir} is missing: build first (bash scripts/pnpm.sh exec tsc -b)`);
  }
  const files = new Map<string, string>();
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = name.split(sep).join('/');
    if (path.endsWith('.d.ts')) files.set(path, readFileSync(join(dir, name), 'utf8'));
  }
  return files;
}

describe('the public types of @netbearer/core', () => {
  const emitted = emitCoreDeclarations();
  const reachable = closure(emitted, 'index.d.ts');

  it('reach none of the internals, as members, declarations or exports', () => {
    expect(reachable).toContain('network-configuration-manager.d.ts');
    expect(reachable).toContain('network-session.d.ts');
    expectNoInternals(emitted, reachable);
  });

  it('keep the classes to their API: no host, queue, handleOf, forRecord, recordOf, roaming hooks', () => {
    const manager = membersOf(
      emitted.get('network-configuration-manager.d.ts')!,
      'network-configuration-manager.d.ts',
      'NetworkConfigurationManager',
    );
    expect(manager).toContain('defaultConfiguration');
    for (const name of ['host', 'queue', 'handleOf']) expect(manager).not.toContain(name);
    const configuration = membersOf(
      emitted.get('network-configuration.d.ts')!,
      'network-configuration.d.ts',
      'NetworkConfiguration',
    );
    expect(configuration).toContain('setConnectTimeout');
    for (const name of ['forRecord', 'recordOf']) expect(configuration).not.toContain(name);
    const session = membersOf(
      emitted.get('network-session.d.ts')!,
      'network-session.d.ts',
      'NetworkSession',
    );
    expect(session).toContain('waitForOpened');
    for (const name of [
      'takesPartInRoaming',
      'connectsInBackground',
      'usagePoliciesMayHaveChanged',
    ]) {
      expect(session).not.toContain(name);
    }
  });

  it('give session.actor a view without send, start or stop', () => {
    const view = membersOf(
      emitted.get('session-actor.d.ts')!,
      'session-actor.d.ts',
      'SessionActorView',
    );
    expect(view).toEqual(
      expect.arrayContaining(['getSnapshot', 'subscribe', 'on', 'inspect', 'id', 'sessionId']),
    );
    for (const name of ['send', 'start', 'stop', 'system']) expect(view).not.toContain(name);
  });

  it('are the only entry besides ./internal, which the index never re-exports', () => {
    const pkg = JSON.parse(readFileSync(join(coreDir, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.exports)).toEqual(['.', './internal']);
    expect(pkg.exports['.'].types).toBe('./dist/index.d.ts');
    expect(pkg.exports['./internal'].types).toBe('./dist/internal.d.ts');
    expect(emitted.get('internal.d.ts')).toMatch(/NOT PUBLIC API/);
    expect(reachable).not.toContain('internal.d.ts');
  });

  it('as built in core/dist and netbearer/dist, reach none of the internals either', () => {
    const core = readDeclarations(join(coreDir, 'dist'));
    expectNoInternals(core, closure(core, 'index.d.ts'));
    const netbearer = readDeclarations(join(netbearerDir, 'dist'));
    const fromNetbearer = closure(netbearer, 'index.d.ts');
    expectNoInternals(netbearer, fromNetbearer);
    for (const file of fromNetbearer) {
      expect(netbearer.get(file), file).not.toMatch(/@netbearer\/core\/internal/);
    }
  });
});
