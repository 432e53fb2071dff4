/**
 * The two column tables: `netsh interface show interface` (Admin State, State, Type, Name;
 * headers and values localised, names may hold spaces) and `netsh interface ipv4 show
 * subinterfaces` (four numbers, then the name; header localised, rows not). More than
 * `maxResults` rows is a ParseError.
 */
import { isDigit, LineReader, maxInputChars, maxResults, ParseError } from './text.js';

export interface InterfaceRow {
  readonly adminState: string;
  readonly state: string;
  readonly type: string;
  readonly name: string;
  /** Admin state enabled; undefined for a value in an unknown language. */
  readonly enabled: boolean | undefined;
  /** State connected; undefined for a value in an unknown language. */
  readonly connected: boolean | undefined;
}

const enabledValues = new Set([
  'enabled',
  'aktiviert',
  'habilitado',
  'activé',
  'abilitato',
  'ingeschakeld',
  'разрешен',
]);
const disabledValues = new Set([
  'disabled',
  'deaktiviert',
  'deshabilitado',
  'désactivé',
  'disabilitato',
  'uitgeschakeld',
  'запрещен',
]);
const connectedValues = new Set([
  'connected',
  'verbunden',
  'conectado',
  'connecté',
  'connesso',
  'verbonden',
  'подключен',
]);
const disconnectedValues = new Set([
  'disconnected',
  'getrennt',
  'desconectado',
  'déconnecté',
  'disconnesso',
  'niet verbonden',
  'отключен',
]);

function known(value: string, yes: Set<string>, no: Set<string>): boolean | undefined {
  const lower = value.toLowerCase();
  return yes.has(lower) ? true : no.has(lower) ? false : undefined;
}

/** Moves to the next table rule: `---` then only dashes and spaces. */
function nextRule(lines: LineReader): boolean {
  while (lines.nextWith('---')) {
    // One quantifier, so no backtracking between two.
    if (lines.startsWith('---') && /^---[\s-]*$/.test(lines.text())) return true;
  }
  return false;
}

export function parseInterfaceTable(text: string): InterfaceRow[] | ParseError {
  const source = 'interface show interface';
  if (text.length > maxInputChars) return new ParseError(source, 'output too large');
  const lines = new LineReader(text);
  if (!nextRule(lines)) return new ParseError(source, 'no table header');
  // The header is the line right above the rule: columns are separated by two or more spaces.
  const above = lines.lineAbove();
  if (above === undefined) return new ParseError(source, 'no table header');
  const header =
    above.trim() === ''
      ? undefined
      : above.replace(/^[ \t]+/, (indent) => ' '.repeat(indent.length));
  const starts: number[] = [];
  if (header) {
    for (const match of header.matchAll(/\S+(?: \S+)*/g)) starts.push(match.index ?? 0);
  }
  const rows: InterfaceRow[] = [];
  while (lines.next()) {
    const line = lines.text();
    const full = ' '.repeat(lines.indent) + line;
    let cells: string[];
    const [, s1, s2, s3] = starts;
    if (
      starts.length === 4 &&
      s1 !== undefined &&
      s2 !== undefined &&
      s3 !== undefined &&
      full.length > s3 &&
      full[s3 - 1] === ' '
    ) {
      cells = [full.slice(0, s1), full.slice(s1, s2), full.slice(s2, s3), full.slice(s3)].map((c) =>
        c.trim(),
      );
    } else {
      const tokens = line.split(/\s+/);
      if (tokens.length < 4) continue;
      const name = line.replace(/^\S+\s+\S+\s+\S+\s+/, '');
      cells = [tokens[0] ?? '', tokens[1] ?? '', tokens[2] ?? '', name.trim()];
    }
    const [adminState = '', state = '', type = '', name = ''] = cells;
    if (name === '') continue;
    if (rows.length === maxResults) return new ParseError(source, `more than ${maxResults} rows`);
    rows.push({
      adminState,
      state,
      type,
      name,
      enabled: known(adminState, enabledValues, disabledValues),
      connected: known(state, connectedValues, disconnectedValues),
    });
  }
  return rows;
}

export interface SubinterfaceRow {
  readonly mtu: number;
  readonly mediaSenseState: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly name: string;
}

const subinterfaceRow = /^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S.*)$/;

export function parseSubinterfaces(text: string): SubinterfaceRow[] | ParseError {
  const source = 'interface ipv4 show subinterfaces';
  if (text.length > maxInputChars) return new ParseError(source, 'output too large');
  if (!nextRule(new LineReader(text))) return new ParseError(source, 'no table header');
  const lines = new LineReader(text);
  const rows: SubinterfaceRow[] = [];
  // Rows start with a digit (the MTU): only lines with a digit are read.
  while (lines.nextWithDigit()) {
    if (!isDigit(text.charCodeAt(lines.start))) continue;
    const match = subinterfaceRow.exec(lines.text());
    if (!match) continue;
    if (rows.length === maxResults) return new ParseError(source, `more than ${maxResults} rows`);
    rows.push({
      mtu: Number(match[1]),
      mediaSenseState: Number(match[2]),
      bytesIn: Number(match[3]),
      bytesOut: Number(match[4]),
      name: (match[5] ?? '').trimEnd(),
    });
  }
  return rows;
}

/** Why a netsh wlan command refused, recognised by language-independent tokens. */
export type NetshRefusal = 'location-permission' | 'service-unavailable';

/**
 * The 24H2 location gate: netsh names the Settings URI `ms-settings:privacy-location` in every
 * language, and the failing `Wlan…` function with error 5 (access denied). The WLAN AutoConfig
 * service being stopped names `wlansvc`.
 */
export function detectRefusal(text: string): NetshRefusal | undefined {
  if (text.length > maxInputChars) return undefined;
  if (text.includes('ms-settings:privacy-location')) return 'location-permission';
  // Only the lines that name `Wlan` are tested: found by searching the output for it.
  for (let at = text.indexOf('Wlan'); at >= 0; ) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const line = text.slice(text.lastIndexOf('\n', at) + 1, end);
    if (/\bWlan[A-Za-z]{3,40}\b/.test(line) && /(?:^|\D)5[\s.:]*$/.test(line)) {
      return 'location-permission';
    }
    at = text.indexOf('Wlan', end);
  }
  if (/\bwlansvc\b/i.test(text)) return 'service-unavailable';
  return undefined;
}
