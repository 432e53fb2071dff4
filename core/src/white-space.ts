/**
 * Whitespace as `String.prototype.trim()` and `\s` see it (ECMAScript WhiteSpace and
 * LineTerminator), told by a UTF-16 code unit: the platform parsers step over it char by char,
 * where a regular expression per character would cost more than the rest of a parser on text
 * full of U+FFFD (invalid UTF-8).
 */
export function isWhiteSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  // U+FFFD and the letters of most other scripts are above U+3000.
  if (c > 0x3000) return c === 0xfeff;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}
