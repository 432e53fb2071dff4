/**
 * A mirror of NetworkManager's object tree (org.freedesktop.DBus.ObjectManager at
 * /org/freedesktop): one GetManagedObjects snapshot, then kept current by InterfacesAdded,
 * InterfacesRemoved and PropertiesChanged, so the engine never polls and never asks twice.
 */
import { isObjectPath, isRecord, NmReplyError, type Props, readProps } from './dbus-values.js';

export class NmObjectStore {
  #objects = new Map<string, Map<string, Props>>();

  /** Replaces everything with a GetManagedObjects reply (a{oa{sa{sv}}}). */
  replace(managed: unknown): void {
    if (!isRecord(managed)) throw new NmReplyError('GetManagedObjects: expected a{oa{sa{sv}}}');
    const next = new Map<string, Map<string, Props>>();
    for (const path of Object.keys(managed)) {
      if (!isObjectPath(path)) continue;
      const ifaces = parseInterfaces(managed[path], path);
      if (ifaces.size > 0) next.set(path, ifaces);
    }
    this.#objects = next;
  }

  clear(): void {
    this.#objects = new Map();
  }

  /** InterfacesAdded(o, a{sa{sv}}): the names of the interfaces added. */
  addInterfaces(path: unknown, ifaces: unknown): string[] {
    if (!isObjectPath(path)) return [];
    const parsed = parseInterfaces(ifaces, path);
    const object = this.#objects.get(path) ?? new Map<string, Props>();
    for (const [name, props] of parsed) object.set(name, props);
    if (object.size > 0) this.#objects.set(path, object);
    return [...parsed.keys()];
  }

  /** InterfacesRemoved(o, as): the names of the interfaces that were there. */
  removeInterfaces(path: unknown, names: unknown): string[] {
    const object = isObjectPath(path) ? this.#objects.get(path) : undefined;
    if (!object || !Array.isArray(names)) return [];
    const removed = names.filter(
      (name): name is string => typeof name === 'string' && object.delete(name),
    );
    if (object.size === 0) this.#objects.delete(path as string);
    return removed;
  }

  /** PropertiesChanged(s, a{sv}, as) on a known object; false if it changed nothing known. */
  updateProperties(path: string, iface: unknown, changed: unknown): boolean {
    const object = this.#objects.get(path);
    const current = typeof iface === 'string' ? object?.get(iface) : undefined;
    if (!object || !current || typeof iface !== 'string') return false;
    let props: Props;
    try {
      props = readProps(changed, `PropertiesChanged ${path} ${iface}`);
    } catch {
      return false;
    }
    object.set(iface, Object.assign(Object.create(null), current, props));
    return Object.keys(props).length > 0;
  }

  get(path: string, iface: string): Props | undefined {
    return this.#objects.get(path)?.get(iface);
  }

  has(path: string): boolean {
    return this.#objects.has(path);
  }

  /** Every object that has `iface`, with that interface's properties. */
  *withInterface(iface: string): Generator<[path: string, props: Props]> {
    for (const [path, object] of this.#objects) {
      const props = object.get(iface);
      if (props) yield [path, props];
    }
  }
}

/** a{sa{sv}}; an interface whose properties are malformed is left out, not the whole object. */
function parseInterfaces(value: unknown, path: string): Map<string, Props> {
  const out = new Map<string, Props>();
  if (!isRecord(value)) return out;
  for (const name of Object.keys(value)) {
    try {
      out.set(name, readProps(value[name], `${path} ${name}`));
    } catch {
      // Unreadable interface data: the parsers treat the object as lacking that interface.
    }
  }
  return out;
}
