/**
 * Argv for netsh. Commands run by absolute path with `verbatim: true`, so the command line is
 * exactly the argv joined by spaces and netsh reads the documented `tag="value"` form itself.
 * No shell is involved: `& | < > ^ %` are literal. A value netsh cannot take safely in that
 * form (a `"`, CR, LF or NUL anywhere, a leading `#`) is refused, never mangled.
 */
import { InvalidArgumentError } from '@netbearer/core';

/** `%SystemRoot%\System32\<program>` from the given environment (default C:\Windows). */
export function systemProgram(
  program: 'netsh.exe' | 'chcp.com' | 'powershell.exe' | 'reg.exe',
  env: Readonly<Record<string, string | undefined>>,
): string {
  const root = env.SystemRoot ?? env.SYSTEMROOT ?? env.windir ?? env.WINDIR ?? 'C:\\Windows';
  const base = /^[A-Za-z]:\\[^"\r\n\0]*$/.test(root) ? root.replace(/\\+$/, '') : 'C:\\Windows';
  if (program === 'powershell.exe') {
    return `${base}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`;
  }
  return `${base}\\System32\\${program}`;
}

/** Why a value cannot be passed, or undefined when it can. */
export function unsafeReason(value: string): string | undefined {
  if (value.length === 0) return 'it is empty';
  if (value.includes('"')) return 'it contains a double quote';
  if (/[\r\n\0]/.test(value)) return 'it contains a line break or NUL';
  if (value.startsWith('#')) return 'it starts with #';
  return undefined;
}

/**
 * One `tag="value"` token. Trailing backslashes are doubled: the C runtime's command-line
 * rules would read `\"` as a literal quote.
 */
export function quotedTag(tag: 'name' | 'interface' | 'ssid', value: string): string {
  const reason = unsafeReason(value);
  if (reason !== undefined) {
    throw new InvalidArgumentError(
      `cannot pass ${tag} ${JSON.stringify(value)} to netsh: ${reason}`,
    );
  }
  let trailing = 0;
  while (value[value.length - 1 - trailing] === '\\') trailing++;
  return `${tag}="${value}${'\\'.repeat(trailing)}"`;
}

export const netshArgs = {
  showInterfaces: ['wlan', 'show', 'interfaces'],
  showNetworks: ['wlan', 'show', 'networks', 'mode=bssid'],
  showProfiles: ['wlan', 'show', 'profiles'],
  showInterfaceTable: ['interface', 'show', 'interface'],
  showSubinterfaces: ['interface', 'ipv4', 'show', 'subinterfaces'],
  showProfile: (profile: string) => ['wlan', 'show', 'profile', quotedTag('name', profile)],
  connect: (profile: string, interfaceName: string) => [
    'wlan',
    'connect',
    quotedTag('name', profile),
    quotedTag('interface', interfaceName),
  ],
  disconnect: (interfaceName: string) => [
    'wlan',
    'disconnect',
    quotedTag('interface', interfaceName),
  ],
} as const;
