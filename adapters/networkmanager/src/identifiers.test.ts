import { describe, expect, it } from 'vitest';
import { parseIdentifier, profileIdentifier, ssidName, wifiIdentifier } from './identifiers.js';

describe('identifiers', () => {
  it('keys profiles by UUID and round-trips', () => {
    const id = profileIdentifier('0a1b2c3d-0000-4000-8000-000000000001');
    expect(id).toBe('networkmanager:0a1b2c3d-0000-4000-8000-000000000001');
    expect(parseIdentifier(id)).toEqual({
      kind: 'profile',
      uuid: '0a1b2c3d-0000-4000-8000-000000000001',
    });
  });

  it('keys unsaved Wi-Fi networks by the exact SSID bytes', () => {
    const raw = Uint8Array.from([0xff, 0x00, 0x41, 0x0a]);
    const id = wifiIdentifier(raw);
    expect(id).toBe('networkmanager:wifi:ff00410a');
    expect(parseIdentifier(id)).toEqual({ kind: 'wifi', ssidHex: 'ff00410a' });
    expect(ssidName(raw)).toBe('\uFFFD\u0000A\n');
  });

  it('rejects what is not its own', () => {
    for (const bad of ['', 'networkmanager:', 'generic:eth0', 42, null, undefined, {}]) {
      expect(parseIdentifier(bad)).toBeNull();
    }
  });
});
