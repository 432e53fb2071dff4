/** The shared netsh fixtures, and the encodings and layouts netsh really produces. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';

export const fixturesDir = fileURLToPath(
  new URL('../../../../../shared/fixtures/windows/', import.meta.url),
);

export function fixtureNames(prefix = ''): string[] {
  return readdirSync(fixturesDir)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.txt'))
    .sort();
}

export function fixtureText(name: string): string {
  return readFileSync(join(fixturesDir, name), 'utf8');
}

export type Variant = 'lf' | 'crlf' | 'crlf-bom' | 'cp850' | 'no-blank-lines';

export function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** The fixture's text in one of the forms netsh writes, as bytes. */
export function variantBytes(text: string, variant: Variant): Buffer {
  switch (variant) {
    case 'lf':
      return Buffer.from(text.replace(/\r\n/g, '\n'), 'utf8');
    case 'crlf':
      return Buffer.from(crlf(text), 'utf8');
    case 'crlf-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(crlf(text), 'utf8')]);
    case 'cp850':
      return iconv.encode(crlf(text), 'cp850');
    case 'no-blank-lines':
      return Buffer.from(
        text
          .split(/\r?\n/)
          .filter((line) => line.trim() !== '')
          .join('\r\n'),
        'utf8',
      );
  }
}

/** Whether every character survives CP850 (the curly apostrophe, for one, does not). */
export function representableInCp850(text: string): boolean {
  return iconv.decode(iconv.encode(text, 'cp850'), 'cp850') === text;
}

/** Netsh's own layout: a blank line before every SSID block (the heatmapper files lack them). */
export function withBlankLines(text: string): string {
  return text.replace(/\n(SSID \d)/g, '\n\n$1');
}
