import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { codePageEncoding, decodeBytes, encodeText, parseCodePage } from './decode.js';

describe('bytes → text', () => {
  it('a UTF-8 BOM wins, and is dropped', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('Señal : 80%', 'utf8'),
    ]);
    expect(decodeBytes(bytes, 850)).toEqual({
      text: 'Señal : 80%',
      encoding: 'utf-8',
      lossy: false,
    });
  });
  it('UTF-16 with a BOM (PowerShell redirections)', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('État : connecté', 'utf16le'),
    ]);
    expect(decodeBytes(bytes).text).toBe('État : connecté');
  });
  it('valid UTF-8 is UTF-8 (chcp 65001)', () => {
    expect(decodeBytes(Buffer.from('Canale : 11 — ok', 'utf8'), 850).encoding).toBe('utf-8');
  });
  it('else the console code page: CP850 by default, or the one chcp reported', () => {
    expect(decodeBytes(iconv.encode('Señal : 80%', 'cp850')).text).toBe('Señal : 80%');
    expect(decodeBytes(iconv.encode('Сигнал : 80%', 'cp866'), 866).text).toBe('Сигнал : 80%');
    expect(decodeBytes(iconv.encode('Señal', 'cp1252'), 1252)).toEqual({
      text: 'Señal',
      encoding: 'cp1252',
      lossy: false,
    });
  });
  it('an unknown code page falls back to CP850 rather than failing', () => {
    expect(codePageEncoding(720)).toBe('cp720'); // iconv-lite 0.7 has it (0.6 did not)
    expect(codePageEncoding(9999)).toBeUndefined();
    expect(decodeBytes(iconv.encode('Señal', 'cp850'), 9999).encoding).toBe('cp850');
  });
  it('undecodable bytes in a BOM-marked UTF-8 stream are flagged lossy, never dropped silently', () => {
    const bytes = Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xff, 0x62]);
    expect(decodeBytes(bytes)).toEqual({ text: 'a\ufffdb', encoding: 'utf-8', lossy: true });
  });
  it('property: non-UTF-8 bytes decode losslessly (re-encoding gives the very bytes back)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const decoded = decodeBytes(bytes, 850);
        if (decoded.encoding === 'cp850') {
          expect(encodeText(decoded.text, 850).equals(Buffer.from(bytes))).toBe(true);
          expect(decoded.lossy).toBe(false);
        } else {
          expect(typeof decoded.text).toBe('string');
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('chcp.com output, in any language', () => {
  it.each([
    ['Active code page: 850\r\n', 850],
    ['Aktive Codepage: 850.\r\n', 850],
    ['Page de codes active : 850\r\n', 850],
    ['Página de códigos activa: 1252\r\n', 1252],
    ['Active code page: 65001\r\n', 65001],
    ['Active code page: 437', 437],
  ])('%j → %d', (text, codePage) => {
    expect(parseCodePage(text)).toBe(codePage);
  });
  it('nothing usable → undefined', () => {
    expect(parseCodePage('')).toBeUndefined();
    expect(parseCodePage('Active code page: 9999')).toBeUndefined();
    expect(parseCodePage('Active code page: none')).toBeUndefined();
  });
});
