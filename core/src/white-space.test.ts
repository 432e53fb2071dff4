import { describe, expect, it } from 'vitest';
import { isWhiteSpace } from './white-space.js';

describe('isWhiteSpace', () => {
  it('is whitespace as \\s and trim() see it, for every UTF-16 code unit', () => {
    const disagree: string[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      const char = String.fromCharCode(c);
      const space = /\s/.test(char);
      if (isWhiteSpace(c) !== space || (char.trim() === '') !== space) {
        disagree.push(c.toString(16));
      }
    }
    expect(disagree).toEqual([]);
  });
});
