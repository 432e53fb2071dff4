/**
 * Bytes → text for netsh output: a BOM says what it is; else strict UTF-8 when the bytes are
 * valid UTF-8; else the console/OEM code page (netsh writes in its console's code page, the
 * OEM one when Node has no console). Nothing is lost silently: `lossy` says when the text
 * holds replacement characters or `?` that the code page could not represent.
 */
import iconv from 'iconv-lite';

export interface DecodedText {
  readonly text: string;
  /** Which decoding was used: 'utf-8', 'utf-16le', 'utf-16be' or the code page, e.g. 'cp850'. */
  readonly encoding: string;
  /** The text holds U+FFFD (undecodable bytes). */
  readonly lossy: boolean;
}

/** The code page used when none was read from the system (Western European OEM). */
export const defaultCodePage = 850;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The iconv-lite name of a Windows code page number, if iconv-lite knows it. */
export function codePageEncoding(codePage: number): string | undefined {
  if (codePage === 65001) return 'utf-8';
  const name = `cp${codePage}`;
  return iconv.encodingExists(name) ? name : undefined;
}

export function decodeBytes(bytes: Uint8Array, codePage: number = defaultCodePage): DecodedText {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return finish(new TextDecoder('utf-8').decode(bytes.subarray(3)), 'utf-8');
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return finish(new TextDecoder('utf-16le').decode(bytes.subarray(2)), 'utf-16le');
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return finish(new TextDecoder('utf-16be').decode(bytes.subarray(2)), 'utf-16be');
  }
  try {
    return finish(utf8.decode(bytes), 'utf-8');
  } catch {
    // Not UTF-8: the console's code page.
  }
  const encoding = codePageEncoding(codePage) ?? `cp${defaultCodePage}`;
  if (encoding === 'utf-8') return finish(new TextDecoder('utf-8').decode(bytes), 'utf-8');
  return finish(iconv.decode(Buffer.from(bytes), encoding), encoding);
}

function finish(text: string, encoding: string): DecodedText {
  return { text, encoding, lossy: text.includes('\ufffd') };
}

/** Encodes text in a code page (tests and the capture kit's redaction). */
export function encodeText(text: string, codePage: number = defaultCodePage): Buffer {
  const encoding = codePageEncoding(codePage) ?? `cp${defaultCodePage}`;
  return iconv.encode(text, encoding);
}

/** The code page number in `chcp.com`'s output ("Active code page: 850", in any language). */
export function parseCodePage(text: string): number | undefined {
  const match = /(\d{3,5})\.?$/.exec(text.trim());
  if (!match?.[1]) return undefined;
  const codePage = Number(match[1]);
  return codePageEncoding(codePage) ? codePage : undefined;
}
