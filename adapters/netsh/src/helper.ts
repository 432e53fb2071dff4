/**
 * The change helper: one long-lived Windows PowerShell 5.1 child (not pwsh: PowerShell 7
 * cannot load the WinRT types) that prints one JSON line at start and after every network
 * change (.NET NetworkChange events, debounced), with the Network List Manager's
 * connectivity flags and the WinRT internet connection profile. It exits when its parent is
 * gone. Started only while someone listens (`watch(true)`).
 */
import type { NetworkInformation, Reachability, TransportMedium } from '@netbearer/core';
import { isWhiteSpace } from '@netbearer/core/internal';

export const helperScript = `
$ErrorActionPreference = 'SilentlyContinue'
[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding($false)
$parent = (Get-CimInstance Win32_Process -Filter "ProcessId = $PID").ParentProcessId
$nlm = [Activator]::CreateInstance([Type]::GetTypeFromCLSID('DCB00C01-570F-4A9B-8D69-199FDBA5723B'))
$null = [Windows.Networking.Connectivity.NetworkInformation, Windows.Networking.Connectivity, ContentType = WindowsRuntime]
function Report {
  $o = [ordered]@{ nlm = -1; level = $null; cost = $null; wlan = $false; wwan = $false; iana = $null }
  try { $o.nlm = [int]$nlm.GetConnectivity() } catch {}
  try {
    $p = [Windows.Networking.Connectivity.NetworkInformation]::GetInternetConnectionProfile()
    if ($p) {
      $o.level = [string]$p.GetNetworkConnectivityLevel()
      $o.cost = [string]$p.GetConnectionCost().NetworkCostType
      $o.wlan = [bool]$p.IsWlanConnectionProfile
      $o.wwan = [bool]$p.IsWwanConnectionProfile
      $o.iana = [int]$p.NetworkAdapter.IanaInterfaceType
    }
  } catch {}
  [Console]::Out.WriteLine(($o | ConvertTo-Json -Compress))
  [Console]::Out.Flush()
}
Register-ObjectEvent -InputObject ([System.Net.NetworkInformation.NetworkChange]) -EventName NetworkAddressChanged -SourceIdentifier nb.addr | Out-Null
Register-ObjectEvent -InputObject ([System.Net.NetworkInformation.NetworkChange]) -EventName NetworkAvailabilityChanged -SourceIdentifier nb.avail | Out-Null
Report
while ($true) {
  $e = Wait-Event -Timeout 5
  if (-not (Get-Process -Id $parent -ErrorAction SilentlyContinue)) { exit 0 }
  if ($e) {
    Start-Sleep -Milliseconds 250
    Get-Event | Remove-Event
    Report
  }
}
`;

/** The helper's argv: no quoting and no stdin (PS 5.1's `-Command -` reads to EOF first). */
export function helperArgs(script: string = helperScript): string[] {
  return [
    '-NoProfile',
    '-NonInteractive',
    '-ExecutionPolicy',
    'Bypass',
    '-EncodedCommand',
    Buffer.from(script, 'utf16le').toString('base64'),
  ];
}

export interface HelperReport {
  /** NLM_CONNECTIVITY flags, -1 when unknown. */
  readonly nlm: number;
  /** WinRT NetworkConnectivityLevel, e.g. 'InternetAccess', 'ConstrainedInternetAccess'. */
  readonly level: string | null;
  /** WinRT NetworkCostType: 'Unrestricted', 'Fixed', 'Variable', 'Unknown'. */
  readonly cost: string | null;
  readonly wlan: boolean;
  readonly wwan: boolean;
  readonly iana: number | null;
}

const maxReportLength = 4096;

/**
 * What ConvertTo-Json -Compress prints for the report: one flat object of numbers, strings,
 * booleans and nulls. Anything else is not a report, and is turned down without JSON.parse
 * (a throw costs microseconds: a flood of junk lines would cost seconds). Each position has
 * one way to match, so it runs in linear time.
 */
const flatObject =
  /^\{(?:"[^"\\]*":(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\]|\\.)*"|true|false|null)(?:,(?=")|(?=\})))*\}$/;

/** One helper line, or undefined when it is not a report. */
export function parseHelperLine(line: string): HelperReport | undefined {
  // A report is about a hundred characters: a longer line is something else.
  if (line.length > maxReportLength) return undefined;
  // Most lines that are not reports are turned down at their first visible character,
  // before any string is made (a BOM is whitespace to trim()).
  let first = 0;
  while (first < line.length && isWhiteSpace(line.charCodeAt(first))) first++;
  if (line.charCodeAt(first) !== 0x7b) return undefined;
  const text = line.trim();
  if (!flatObject.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === 'string' ? x : null);
  return {
    nlm: typeof v.nlm === 'number' && Number.isInteger(v.nlm) ? v.nlm : -1,
    level: str(v.level),
    cost: str(v.cost),
    wlan: v.wlan === true,
    wwan: v.wwan === true,
    iana: typeof v.iana === 'number' ? v.iana : null,
  };
}

/** Qt's NLM backend, in its order. */
export function reachabilityOf(nlm: number): Reachability {
  if (nlm < 0) return 'Unknown';
  if (nlm === 0) return 'Disconnected';
  if (nlm & 0x40 || nlm & 0x400) return 'Online';
  if (nlm & 0x10 || nlm & 0x100) return 'Site';
  if (nlm & 0x20 || nlm & 0x200) return 'Local';
  return 'Unknown';
}

export function informationOf(report: HelperReport): NetworkInformation {
  const transportMedium: TransportMedium = report.wwan
    ? 'Cellular'
    : report.wlan
      ? 'WiFi'
      : report.iana === 6
        ? 'Ethernet'
        : 'Unknown';
  return {
    reachability: reachabilityOf(report.nlm),
    behindCaptivePortal: report.level === 'ConstrainedInternetAccess',
    transportMedium,
    metered: report.cost === 'Fixed' || report.cost === 'Variable',
  };
}
