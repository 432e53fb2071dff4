import { existsSync } from 'node:fs';
import type { NetworkManagerEngine } from '@netbearer/adapter-networkmanager';
import type { MessageBus } from 'dbus-next';
import { beforeAll, describe, expect, it } from 'vitest';
import { addEthernetProfile } from '../support/nm-dbus.js';
import { nmId as id, noAbort, useNmSandbox } from '../support/nm-rig.js';
import type { NmSandbox } from '../support/nm-sandbox.js';
import type { RecordingSink } from '../support/recording-sink.js';

const marker = `/tmp/netbearer-pwned-${process.pid}`;

/**
 * Names a shell would act on, text a naive parser would split, and the longest NetworkManager
 * 1.42 stores: its keyfile is named after the id, so id + ".nmconnection" + a 7-byte temporary
 * suffix must fit a 255-byte file name (235 bytes; 255-byte names are covered by unit tests).
 */
const hostileNames = [
  `quotes " ' and \` backtick`,
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `; touch ${marker} #`,
  'line one\nline two\r\nthree',
  '--help -rf',
  'café ☕ 日本語 Ωμέγα',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${...} is the point of this name
  '%s%n%x {0} ${HOME}',
  'a'.repeat(235),
  `${'ü'.repeat(117)}x`, // 235 bytes of UTF-8
  '\ttab and trailing space ',
];

describe('NetworkManager engine: hostile profile names pass through untouched', () => {
  const nm = useNmSandbox();
  let sandbox: NmSandbox;
  let bus: MessageBus;
  let engine: NetworkManagerEngine;
  let sink: RecordingSink;
  const uuids = new Map<string, string>();

  beforeAll(async () => {
    ({ sandbox, bus } = await nm.start({ links: 1 }));
    for (const name of hostileNames) {
      uuids.set(name, await addEthernetProfile(bus, { name, interfaceName: sandbox.linkName(0) }));
    }
    ({ engine, sink } = await nm.startEngine());
  }, 60_000);

  it('lists every name byte for byte', () => {
    for (const [name, uuid] of uuids) {
      expect(sink.current.get(id(uuid))?.name).toBe(name);
    }
    expect(Buffer.byteLength(hostileNames[9] ?? '')).toBe(235);
  });

  it('activates and deactivates profiles with such names, and nothing ran', async () => {
    for (const name of [hostileNames[1], hostileNames[4], hostileNames[9]]) {
      const identifier = id(uuids.get(name ?? '') ?? '');
      await engine.connect(identifier, { signal: noAbort() });
      expect(sink.current.get(identifier)).toMatchObject({ name, state: 'Active' });
      await engine.disconnect(identifier, { signal: noAbort(), mode: 'release' });
    }
    expect(existsSync(marker)).toBe(false);
  }, 30_000);

  it('follows a rename to a hostile name made with nmcli (argv, no shell)', async () => {
    const uuid = uuids.get(hostileNames[0] ?? '') ?? '';
    const renamed = `$(id) \`id\` "x" 'y'\nz`;
    const from = sink.mark();
    await sandbox.nmcli('connection', 'modify', uuid, 'connection.id', renamed);
    await sink.waitFor(
      (e) =>
        e.type === 'changed' &&
        e.configuration.identifier === id(uuid) &&
        e.configuration.name === renamed,
      'the rename',
      { from },
    );
  });
});
