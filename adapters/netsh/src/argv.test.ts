import { InvalidArgumentError } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { netshArgs, quotedTag, systemProgram } from './argv.js';

describe('netsh argv', () => {
  it('the documented tag="value" form, one token per value', () => {
    expect(netshArgs.connect('My Net', 'Wi-Fi 2')).toEqual([
      'wlan',
      'connect',
      'name="My Net"',
      'interface="Wi-Fi 2"',
    ]);
    expect(netshArgs.disconnect('Wi-Fi')).toEqual(['wlan', 'disconnect', 'interface="Wi-Fi"']);
    expect(netshArgs.showProfile('a=b & c')).toEqual(['wlan', 'show', 'profile', 'name="a=b & c"']);
  });
  it('shell metacharacters are literal: there is no shell', () => {
    expect(quotedTag('name', '$(calc) `x` %PATH% ^&|<>')).toBe('name="$(calc) `x` %PATH% ^&|<>"');
  });
  it('trailing backslashes are doubled so the closing quote stays a quote', () => {
    expect(quotedTag('name', 'a\\')).toBe('name="a\\\\"');
    expect(quotedTag('name', 'a\\b')).toBe('name="a\\b"');
  });
  it.each(['a"b', 'a\nb', 'a\rb', 'a\0b', '#1', ''])(
    'refuses %j with InvalidArgumentError',
    (name) => {
      expect(() => quotedTag('name', name)).toThrow(InvalidArgumentError);
    },
  );
  it('programs by absolute path under %SystemRoot%', () => {
    expect(systemProgram('netsh.exe', {})).toBe('C:\\Windows\\System32\\netsh.exe');
    expect(systemProgram('chcp.com', { SystemRoot: 'D:\\WINDOWS\\' })).toBe(
      'D:\\WINDOWS\\System32\\chcp.com',
    );
    expect(systemProgram('powershell.exe', { windir: 'E:\\Win' })).toBe(
      'E:\\Win\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    );
    // A relative or odd %SystemRoot% is not trusted (libuv would search the cwd first).
    expect(systemProgram('netsh.exe', { SystemRoot: 'Windows' })).toBe(
      'C:\\Windows\\System32\\netsh.exe',
    );
    expect(systemProgram('netsh.exe', { SystemRoot: 'C:\\x"y' })).toBe(
      'C:\\Windows\\System32\\netsh.exe',
    );
  });
});
