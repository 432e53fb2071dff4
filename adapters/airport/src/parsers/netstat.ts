import { type Input, LineReader, ParseError, type ParseResult, toText } from '../text.js';

export interface InterfaceCounters {
  readonly bytesReceived: number;
  readonly bytesWritten: number;
}

/**
 * `netstat -ib`: the `<Link#n>` row of each interface carries its byte counters. Columns are
 * read from the right (`Ipkts Ierrs Ibytes Opkts Oerrs Obytes Coll`), since the Address column
 * is empty for some interfaces (lo0, utun). A trailing `*` on a name (down) is dropped.
 */
export function parseNetstatBytes(input: Input): ParseResult<Map<string, InterfaceCounters>> {
  const lines = new LineReader(toText(input));
  let found = false;
  // The header starts with `Name`: other lines are passed over without a string.
  while (!found && lines.nextNonBlank()) {
    found = lines.startsWith('Name') && /^Name\s+Mtu\s+Network\b/.test(lines.line);
  }
  if (!found) {
    return { error: new ParseError('netstat -ib', 'no Name/Mtu/Network header') };
  }
  const columns = lines.trimmed().split(/\s+/);
  if (columns.at(-5) !== 'Ibytes' || columns.at(-2) !== 'Obytes') {
    return { error: new ParseError('netstat -ib', 'unexpected columns', lines.number) };
  }
  const out = new Map<string, InterfaceCounters>();
  while (lines.nextNonBlank()) {
    if (lines.find('<Link#') < 0) continue;
    const tokens = lines.trimmed().split(/\s+/);
    if (tokens.length < 9 || !tokens[2]?.startsWith('<Link#')) continue;
    const name = (tokens[0] ?? '').replace(/\*$/, '');
    const received = tokens.at(-5) ?? '';
    const written = tokens.at(-2) ?? '';
    if (!/^\d{1,20}$/.test(received) || !/^\d{1,20}$/.test(written) || out.has(name)) continue;
    out.set(name, { bytesReceived: Number(received), bytesWritten: Number(written) });
  }
  return { value: out };
}
