import { EngineError } from '@netbearer/core';
import { describe, expect, it } from 'vitest';
import { DBusCallError } from './dbus-client.js';
import {
  checkBackgroundSecrets,
  missingSecrets,
  neededSecrets,
  SecretFlag,
  secretName,
} from './secrets.js';
import { profile } from './snapshot.fixture.js';

/** GetSettings' a{sa{sv}} as dbus-next gives it: every value a Variant. */
const v = (value: unknown) => ({ signature: 'v', value });
function settings(
  raw: Record<string, Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, props] of Object.entries(raw)) {
    out[name] = Object.fromEntries(Object.entries(props).map(([k, value]) => [k, v(value)]));
  }
  return out;
}
const names = (raw: Record<string, Record<string, unknown>>) =>
  neededSecrets(settings(raw)).map(secretName);

const wifi = (security: Record<string, unknown>) => ({
  connection: { type: '802-11-wireless' },
  '802-11-wireless': { ssid: [0x41] },
  '802-11-wireless-security': security,
});

describe('neededSecrets: what NetworkManager would need to activate a profile', () => {
  it('nothing for an open network or plain Ethernet', () => {
    expect(names({ connection: { type: '802-3-ethernet' }, '802-3-ethernet': {} })).toEqual([]);
    expect(names({ connection: { type: '802-11-wireless' }, '802-11-wireless': {} })).toEqual([]);
  });

  it('Wi-Fi: the PSK for WPA-PSK and SAE, the WEP key in use, the LEAP password', () => {
    expect(names(wifi({ 'key-mgmt': 'wpa-psk' }))).toEqual(['802-11-wireless-security.psk']);
    expect(names(wifi({ 'key-mgmt': 'sae', 'psk-flags': 1 }))).toEqual([
      '802-11-wireless-security.psk',
    ]);
    expect(names(wifi({ 'key-mgmt': 'none', 'wep-tx-keyidx': 2 }))).toEqual([
      '802-11-wireless-security.wep-key2',
    ]);
    expect(names(wifi({ 'key-mgmt': 'ieee8021x', 'auth-alg': 'leap' }))).toEqual([
      '802-11-wireless-security.leap-password',
    ]);
    expect(names(wifi({ 'key-mgmt': 'owe' }))).toEqual([]);
    const [psk] = neededSecrets(settings(wifi({ 'key-mgmt': 'wpa-psk', 'psk-flags': 2 })));
    expect(psk?.flags).toBe(SecretFlag.NotSaved);
  });

  it('802.1X: the first EAP method that needs one, phase 2 included', () => {
    const eap = (props: Record<string, unknown>) =>
      names({ connection: { type: '802-3-ethernet' }, '802-1x': props });
    expect(eap({ eap: ['md5'], identity: 'me' })).toEqual(['802-1x.password']);
    expect(eap({ eap: ['peap'], identity: 'me', 'phase2-auth': 'mschapv2' })).toEqual([
      '802-1x.password',
    ]);
    expect(eap({ eap: ['ttls'], identity: 'me', 'phase2-autheap': 'tls' })).toEqual([
      '802-1x.phase2-private-key-password',
    ]);
    expect(eap({ eap: ['tls'], identity: 'me' })).toEqual(['802-1x.private-key-password']);
    expect(eap({ eap: ['tls'], 'private-key-password-flags': SecretFlag.NotRequired })).toEqual([]);
    // A PKCS#11 key with system-owned flags is unlocked by the token, not by a password.
    const pkcs11 = [...Buffer.from('pkcs11:token=x\0')];
    expect(eap({ eap: ['tls'], 'private-key': pkcs11 })).toEqual([]);
    expect(eap({ eap: ['sim'] })).toEqual(['802-1x.pin']);
    expect(eap({ eap: ['external'] })).toEqual([]);
    // A password or its raw bytes: either satisfies the need.
    const [password] = neededSecrets(
      settings({ '802-1x': { eap: ['peap'], 'phase2-auth': 'mschapv2', 'password-flags': 2 } }),
    );
    expect(password?.keys).toEqual(['password', 'password-raw']);
    expect(password?.flags).toBe(SecretFlag.NotSaved);
  });

  it('mobile broadband and PPPoE: the password where one is asked for', () => {
    expect(names({ gsm: { apn: 'internet' } })).toEqual([]);
    expect(names({ gsm: { username: 'me' } })).toEqual(['gsm.password']);
    expect(names({ gsm: { username: 'me', 'password-flags': 4 } })).toEqual([]);
    expect(names({ cdma: { username: 'me' } })).toEqual(['cdma.password']);
    expect(names({ pppoe: { username: 'me' } })).toEqual(['pppoe.password']);
    expect(names({ adsl: { username: 'me', 'password-flags': 4 } })).toEqual([]);
  });

  it('VPN: the secrets its data flags as agent-owned or not saved; WireGuard, MACsec', () => {
    expect(
      names({
        vpn: {
          'service-type': 'org.freedesktop.NetworkManager.openvpn',
          data: { 'password-flags': '2', 'cert-pass-flags': '0', 'otp-flags': '6' },
        },
      }),
    ).toEqual(['vpn.secrets.password']);
    expect(names({ wireguard: {} })).toEqual(['wireguard.private-key']);
    expect(names({ macsec: { mode: 0 } })).toEqual(['macsec.mka-cak']);
    expect(names({ macsec: { mode: 1 } })).toEqual([]);
  });

  it('other settings: any secret flagged not-saved', () => {
    expect(names({ 'future-thing': { 'token-flags': 2, 'other-flags': 1 } })).toEqual([
      'future-thing.token',
    ]);
  });

  it('hostile settings do not crash it', () => {
    for (const hostile of [
      null,
      42,
      'x',
      [],
      { connection: 7 },
      { '802-1x': { eap: 'peap' } },
      { '802-11-wireless-security': { 'key-mgmt': 5 } },
      { vpn: { data: [1, 2] } },
      { ['__proto__']: { x: 1 } },
    ]) {
      expect(() => neededSecrets(hostile)).not.toThrow();
    }
  });
});

describe('missingSecrets: needed secrets GetSecrets did not return', () => {
  const needed = neededSecrets(
    settings({
      '802-1x': { eap: ['peap'], 'phase2-auth': 'mschapv2' },
      vpn: { data: { 'password-flags': '1' } },
    }),
  );

  it('a secret is there when GetSecrets returns it non-empty (either key)', () => {
    expect(missingSecrets(needed, {}).map(secretName)).toEqual([
      '802-1x.password',
      'vpn.secrets.password',
    ]);
    expect(
      missingSecrets(
        needed,
        settings({ '802-1x': { password: '' }, vpn: { secrets: { password: 'x' } } }),
      ).map(secretName),
    ).toEqual(['802-1x.password']);
    expect(
      missingSecrets(needed, settings({ '802-1x': { 'password-raw': [1, 2] } })).map(secretName),
    ).toEqual(['vpn.secrets.password']);
  });
});

describe('checkBackgroundSecrets: refuses before NetworkManager would ask the user', () => {
  const target = profile(1, { name: 'Office' });
  const eap = settings({
    connection: { type: '802-3-ethernet' },
    '802-1x': { eap: ['peap'], identity: 'me', 'phase2-auth': 'mschapv2', 'password-flags': 2 },
  });
  const access = (secrets: (setting: string) => unknown) => {
    const calls: string[] = [];
    return {
      calls,
      ctx: {
        published: () => {
          throw new Error('not needed');
        },
        call: async (_path: string, _iface: string, member: string, _sig = '', body = []) => {
          calls.push(`${member}(${body.join(',')})`);
          if (member === 'GetSettings') return { body: [eap] };
          return { body: [secrets(String(body[0]))] };
        },
      },
    };
  };

  it('SecretsRequired when a needed secret is missing, naming it (never a value)', async () => {
    const { ctx, calls } = access(() => ({}));
    const error = await checkBackgroundSecrets(ctx, target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ kind: 'SecretsRequired' });
    expect(String((error as Error).message)).toContain('802-1x.password');
    expect(String((error as Error).message)).toContain('Office');
    expect(calls).toEqual(['GetSettings()', 'GetSecrets(802-1x)']);
  });

  it('"no agents were available" from GetSecrets means the secret is not there', async () => {
    const { ctx } = access(() => {
      throw new DBusCallError(
        'org.freedesktop.NetworkManager.AgentManager.NoSecrets',
        'No agents were available for this request.',
        'GetSecrets',
      );
    });
    await expect(checkBackgroundSecrets(ctx, target)).rejects.toMatchObject({
      kind: 'SecretsRequired',
    });
  });

  it('passes when NetworkManager (or an agent, without asking) has the secret', async () => {
    const { ctx } = access(() => settings({ '802-1x': { password: 'hunter2' } }));
    await expect(checkBackgroundSecrets(ctx, target)).resolves.toBeUndefined();
  });

  it('without the right to read secrets: refuses only what is flagged not-saved', async () => {
    const denied = new DBusCallError(
      'org.freedesktop.NetworkManager.Settings.PermissionDenied',
      'Insufficient privileges.',
      'GetSecrets',
    );
    const { ctx } = access(() => {
      throw denied;
    });
    ctx.call = (async (_p: string, _i: string, member: string) => {
      if (member === 'GetSettings') return { body: [eap] };
      throw denied;
    }) as typeof ctx.call;
    await expect(checkBackgroundSecrets(ctx, target)).rejects.toMatchObject({
      kind: 'SecretsRequired',
    });
    const stored = settings({
      '802-1x': { eap: ['peap'], identity: 'me', 'phase2-auth': 'mschapv2' },
    });
    ctx.call = (async (_p: string, _i: string, member: string) => {
      if (member === 'GetSettings') return { body: [stored] };
      throw denied;
    }) as typeof ctx.call;
    await expect(checkBackgroundSecrets(ctx, target)).resolves.toBeUndefined();
  });
});
