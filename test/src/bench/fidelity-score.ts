/**
 * Parse fidelity against the peers: the layout netsh really prints, a ground truth read from
 * the fixtures by each language's labels (independent of our parser), and a per-access-point
 * score on ssid, bssid, channel, signal and security.
 */

/** One access point as a parser reports it, reduced to the scored fields. */
export interface ScoredAp {
  readonly ssid?: string;
  readonly bssid?: string;
  readonly channel?: number;
  readonly signal?: number;
  /** The network's authentication, as printed (e.g. 'WPA2-Personal', 'Offen'). */
  readonly security?: string;
}

export const scoredFields = ['ssid', 'bssid', 'channel', 'signal', 'security'] as const;

const ssidHeader = /^SSID[ \u00a0]+\d{1,5}[ \u00a0]*:(.*)$/;

/**
 * A fixture in the layout `netsh wlan show networks mode=bssid` prints: CRLF, an empty first
 * line, the interface line and the count sentence, an empty line, then every SSID block
 * followed by an empty line. Capture preambles (prompts, comments) before the interface line
 * are dropped, and so are whitespace-only lines; every other line is kept as it is.
 */
export function netshLayout(text: string): string {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => ssidHeader.test(l));
  if (first < 0) throw new Error('no SSID block');
  const header = lines.slice(0, first).filter((l) => l.trim() !== '');
  // The interface line and the count sentence are the last two lines before the first block.
  if (header.length < 2) throw new Error('no interface header');
  const out = ['', ...header.slice(-2), ''];
  for (const l of lines.slice(first)) {
    if (l.trim() === '') continue;
    if (ssidHeader.test(l) && out.length > 4) out.push('');
    out.push(l);
  }
  out.push('', '');
  return out.join('\r\n');
}

const labels = {
  security:
    /^\s+(Authentication|Authentifizierung|Autenticación|Autenticaci¢n|Authentification|Autenticazione|Verificatie)\s*:\s*(.*?)\s*$/,
  bssid: /^\s+BSSID[ \u00a0]+\d+\s*:\s*(\S+)/,
  signal: /^\s+(Signal|Señal|Se¤al|Segnale|Signaal)\s*:\s*(\d+)%/,
  channel: /^\s+(Channel|Kanal|Canal|Canale|Kanaal)\s*:\s*(\d+)\s*$/,
};

/**
 * The ground truth of a `show networks mode=bssid` fixture, read line by line with each
 * fixture language's labels: every BSSID with its SSID, the network's authentication, and
 * the signal and channel printed under it.
 */
export function groundTruth(text: string): ScoredAp[] {
  const aps: Array<{ -readonly [K in keyof ScoredAp]: ScoredAp[K] }> = [];
  let ssid: string | undefined;
  let security: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const header = ssidHeader.exec(line);
    if (header) {
      ssid = (header[1] ?? '').replace(/^ /, '');
      security = undefined;
      continue;
    }
    if (ssid === undefined) continue;
    const auth = labels.security.exec(line);
    if (auth) {
      security = auth[2];
      continue;
    }
    const bssid = labels.bssid.exec(line);
    if (bssid) {
      aps.push({ ssid, bssid: (bssid[1] ?? '').toLowerCase(), ...(security ? { security } : {}) });
      continue;
    }
    const ap = aps.at(-1);
    if (!ap) continue;
    const signal = labels.signal.exec(line);
    if (signal && ap.signal === undefined) ap.signal = Number(signal[2]);
    const channel = labels.channel.exec(line);
    if (channel && ap.channel === undefined) ap.channel = Number(channel[2]);
  }
  return aps;
}

/** How many of the truth's fields the row has right (a field the truth lacks is not scored). */
export function fieldsRight(truth: ScoredAp, row: ScoredAp): number {
  let right = 0;
  if (truth.ssid !== undefined && row.ssid === truth.ssid) right++;
  if (truth.bssid !== undefined && norm(row.bssid)?.toLowerCase() === norm(truth.bssid)) right++;
  if (truth.channel !== undefined && row.channel === truth.channel) right++;
  if (truth.signal !== undefined && row.signal === truth.signal) right++;
  if (truth.security !== undefined && norm(row.security) === norm(truth.security)) right++;
  return right;
}

/** The fields the truth has, i.e. the most a parser can get right. */
export function fieldsScored(truth: readonly ScoredAp[]): number {
  return truth.reduce((n, ap) => n + scoredFields.filter((f) => ap[f] !== undefined).length, 0);
}

const norm = (s: string | undefined) => s?.trim();

/**
 * Fields right over the whole fixture: each reported row counts for at most one true access
 * point, paired best first (most fields in common, then in printed order); rows beyond the
 * truth and access points no row matches score nothing.
 */
export function scoreRows(truth: readonly ScoredAp[], rows: readonly ScoredAp[]): number {
  const pairs: Array<{ t: number; r: number; right: number }> = [];
  truth.forEach((ap, t) => {
    rows.forEach((row, r) => {
      const right = fieldsRight(ap, row);
      if (right > 0) pairs.push({ t, r, right });
    });
  });
  pairs.sort((a, b) => b.right - a.right || a.t - b.t || a.r - b.r);
  const usedTruth = new Set<number>();
  const usedRows = new Set<number>();
  let total = 0;
  for (const p of pairs) {
    if (usedTruth.has(p.t) || usedRows.has(p.r)) continue;
    usedTruth.add(p.t);
    usedRows.add(p.r);
    total += p.right;
  }
  return total;
}

/** A peer's row (untyped JavaScript output) reduced to the scored fields. */
export function toScoredAp(row: {
  ssid?: unknown;
  bssid?: unknown;
  channel?: unknown;
  signal?: unknown;
  security?: unknown;
}): ScoredAp {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const out: { -readonly [K in keyof ScoredAp]: ScoredAp[K] } = {};
  const ssid = text(row.ssid);
  if (ssid !== undefined) out.ssid = ssid;
  const bssid = text(row.bssid);
  if (bssid !== undefined) out.bssid = bssid;
  const channel = num(row.channel);
  if (channel !== undefined) out.channel = channel;
  const signal = num(row.signal);
  if (signal !== undefined) out.signal = signal;
  const security = text(row.security);
  if (security !== undefined) out.security = security;
  return out;
}

// ---------- netsh wlan show interfaces ----------

/**
 * A `show interfaces` fixture in the layout netsh prints: CRLF, an empty first line, the
 * "There is 1 interface on the system:" sentence, an empty line, then the interface block
 * (its own empty lines kept, one at most in a row) and an empty line. Capture preambles
 * before the sentence are dropped.
 */
export function interfacesLayout(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => (l.trim() === '' ? '' : l));
  const first = lines.findIndex((l) => /^\s+\S/.test(l) && l.includes(':'));
  if (first < 0) throw new Error('no interface block');
  const sentence = lines.slice(0, first).filter((l) => l !== '');
  if (sentence.length === 0) throw new Error('no interface count sentence');
  const out = ['', sentence.at(-1) as string, ''];
  for (const l of lines.slice(first)) {
    if (l === '' && out.at(-1) === '') continue;
    out.push(l);
  }
  while (out.at(-1) === '') out.pop();
  out.push('', '');
  return out.join('\r\n');
}

/**
 * The connected interface of each `show interfaces` fixture: the hand-checked expectations of
 * adapters/netsh/src/parsers.test.ts (its `interfaces` table), security being the
 * authentication. BSSIDs the publisher masked (`xxxxxxx`, `60:xx:xx:xx:xx:xx`) are not scored.
 */
export const interfacesTruth: Readonly<Record<string, ScoredAp>> = {
  'netsh-wlan-show-interfaces-de-heatmapper.txt': {
    ssid: 'SSID-1',
    bssid: 'fe:dc:ba:09:87:02',
    channel: 116,
    signal: 43,
    security: 'WPA2-Enterprise',
  },
  'netsh-wlan-show-interfaces-en-heatmapper.txt': {
    ssid: 'SSID-1',
    bssid: 'fe:dc:ba:09:87:02',
    channel: 44,
    signal: 42,
    security: 'WPA2-Personal',
  },
  'netsh-wlan-show-interfaces-en-win10-systeminformation-issue525.txt': {
    ssid: 'xxxxxx',
    channel: 40,
    signal: 100,
    security: 'WPA2-Personal',
  },
  'netsh-wlan-show-interfaces-en-win11-node-wifi-issue184.txt': {
    ssid: 'my-wifi-ssid-here',
    channel: 7,
    signal: 86,
    security: 'WPA2-Personal',
  },
  'netsh-wlan-show-interfaces-es-heatmapper.txt': {
    ssid: 'SSID-1',
    bssid: 'fe:dc:ba:09:87:02',
    channel: 11,
    signal: 81,
    security: 'Abierta',
  },
  'netsh-wlan-show-interfaces-fr-heatmapper.txt': {
    ssid: 'SSID-1',
    bssid: 'fe:dc:ba:09:87:02',
    channel: 11,
    signal: 80,
    security: 'Ouvrir',
  },
  'netsh-wlan-show-interfaces-it-heatmapper.txt': {
    ssid: 'SSID-1',
    bssid: 'fe:dc:ba:09:87:02',
    channel: 4,
    signal: 85,
    security: 'WPA2-Personal',
  },
};
