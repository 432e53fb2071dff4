import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createNetworkManagerEngine } from './engine.js';
import { activationKey } from './holds.js';

const temporary: string[] = [];
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nb-holds-engine-'));
  temporary.push(dir);
  return dir;
}

describe('SystemSessionSupport of the NetworkManager engine', () => {
  it('is offered with a safe holds directory', () => {
    const holdsDirectory = join(tempDir(), 'holds');
    const engine = createNetworkManagerEngine({
      busAddress: 'unix:path=/nonexistent',
      holdsDirectory,
    });
    expect(engine.capabilities()).toContain('SystemSessionSupport');
    expect(engine.holdsDirectory).toBe(holdsDirectory);
  });

  it('is not offered when the directory is refused: holders are counted in-process, with a warning', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const holdsDirectory = join(tempDir(), 'open');
    mkdirSync(holdsDirectory);
    chmodSync(holdsDirectory, 0o777);
    const engine = createNetworkManagerEngine({
      busAddress: 'unix:path=/nonexistent',
      holdsDirectory,
    });
    expect(engine.capabilities()).not.toContain('SystemSessionSupport');
    expect(engine.capabilities()).toContain('CanStartAndStopInterfaces');
    expect(engine.holdsDirectory).toBeNull();
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /holds registry refused .*writable by group or others/,
    );
  });

  it('names an activation by bus, NetworkManager instance and path, as a safe file name', () => {
    const path = '/org/freedesktop/NetworkManager/ActiveConnection/3';
    const key = activationKey('bus-a', ':1.5', path);
    expect(key).toMatch(/^[0-9a-f]{12}-[0-9a-f]{12}-[0-9a-f]{16}$/);
    expect(activationKey('bus-a', ':1.5', path)).toBe(key);
    expect(activationKey('bus-b', ':1.5', path)).not.toBe(key);
    expect(activationKey('bus-a', ':1.6', path)).not.toBe(key);
    expect(activationKey('bus-a', ':1.5', `${path}0`)).not.toBe(key);
  });
});
