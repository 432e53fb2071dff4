import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared macOS fixtures (see ../shared/fixtures/SOURCES.md for their provenance). */
export const fixtureDirectory = fileURLToPath(
  new URL('../../../../../shared/fixtures/macos/', import.meta.url),
);

export function fixtureNames(): string[] {
  return readdirSync(fixtureDirectory).sort();
}

/** A fixture's text as stored (LF). */
export function fixture(name: string): string {
  return readFileSync(fixtureDirectory + name, 'utf8');
}

/** The publishers' annotation line (`$ /System/…/airport --scan`) is not output: drop it. */
export function withoutAnnotation(text: string): string {
  return text.startsWith('$ ') ? text.slice(text.indexOf('\n') + 1) : text;
}

export const encodings = {
  LF: (text: string) => Buffer.from(text, 'utf8'),
  CRLF: (text: string) => Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8'),
  'CRLF+BOM': (text: string) =>
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replace(/\r?\n/g, '\r\n'))]),
} as const;
