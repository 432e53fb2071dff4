import { expect, it } from 'vitest';
import { tour } from './tour.js';

it('the README tour runs and roams from Wi-Fi to the cable', async () => {
  const lines: string[] = [];
  await tour((line) => lines.push(line));
  expect(lines).toContain('opened on sim:home-wifi via wlan0');
  expect(lines).toContain('roamed to sim:wired');
  expect(lines.at(-1)).toBe('closed; wired is Discovered, home wi-fi is Active');
  expect(lines.indexOf('session: Roaming')).toBeLessThan(lines.indexOf('session: Closing'));
});
