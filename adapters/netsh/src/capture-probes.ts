/**
 * Read-only commands a capture bundle records on Windows besides the engine's own (research
 * note §4.4): what a parsing bug report needs to know about the machine. Each runs by
 * absolute path with argv only; none writes anything. `ver` is a cmd.exe built-in, so the
 * version it prints (10.0.<CurrentBuild>.<UBR>) is read where it reads it, the registry,
 * without a shell; DisplayVersion (e.g. 24H2) says whether the location gate applies. Only
 * named values are read: the CurrentVersion key also holds the owner's name and product ids.
 * The note's quoting probe adds and deletes a WLAN profile: it writes, so it is not here.
 */
import { systemProgram } from './argv.js';
import { helperArgs } from './helper.js';

export interface CaptureProbe {
  readonly file: string;
  readonly args: readonly string[];
}

const codePageKey = 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage';
const versionKey = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';

/** The UI language (`de-DE`): which words netsh prints. UTF-8, as the change helper writes. */
export const uiCultureScript = [
  '[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding($false)',
  '[Console]::Out.WriteLine((Get-UICulture).Name)',
].join('\n');

export function windowsCaptureProbes(
  env: Readonly<Record<string, string | undefined>> = process.env,
): CaptureProbe[] {
  const reg = systemProgram('reg.exe', env);
  return [
    // ACP, OEMCP, MACCP: the code pages netsh's bytes may be in.
    { file: reg, args: ['query', codePageKey] },
    ...['CurrentBuild', 'UBR', 'DisplayVersion'].map((value) => ({
      file: reg,
      args: ['query', versionKey, '/v', value],
    })),
    { file: systemProgram('powershell.exe', env), args: helperArgs(uiCultureScript) },
  ];
}
