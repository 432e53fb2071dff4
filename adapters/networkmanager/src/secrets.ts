/**
 * ConnectInBackground on NetworkManager: an activation whose secrets NetworkManager does not
 * have asks the secret agents of the user's session, and an agent (the desktop's network
 * applet, nmcli --ask) asks the user. NetworkManager has no activation option that forbids
 * this, so a background connect checks first: which secrets would the profile need (the rules
 * of libnm's nm_connection_need_secrets for the common setting types), and does
 * Settings.Connection.GetSecrets return them — it reads NetworkManager's storage and asks the
 * agents *without* letting them interact. A needed secret that is not there means the user
 * would be asked: the connect is refused with 'SecretsRequired' before anything is activated.
 */
import { EngineError } from '@netbearer/core';
import { DBusCallError } from './dbus-client.js';
import { isRecord, type Props, unwrapVariant } from './dbus-values.js';
import { engineErrorFrom, kindOfCallError } from './errors.js';
import type { NmAccess } from './nm-access.js';
import { iface } from './nm-constants.js';
import type { NmProfile } from './nm-records.js';

/** NMSettingSecretFlags */
export const SecretFlag = { None: 0, AgentOwned: 1, NotSaved: 2, NotRequired: 4 } as const;

export interface NeededSecret {
  /** The setting that holds it, e.g. '802-1x'. */
  readonly setting: string;
  /** Keys of that setting any one of which satisfies the need (password or password-raw). */
  readonly keys: readonly string[];
  /** Where the keys sit inside the setting: VPN secrets are entries of its 'secrets' dict. */
  readonly within?: string;
  /** The secret's flags: who stores it (0 NetworkManager, 1 an agent, 2 nobody). */
  readonly flags: number;
}

export function secretName(secret: NeededSecret): string {
  const key = secret.keys[0] ?? '';
  return secret.within ? `${secret.setting}.${secret.within}.${key}` : `${secret.setting}.${key}`;
}

type Settings = Readonly<Record<string, Props>>;

/** GetSettings' (or GetSecrets') a{sa{sv}} as plain maps; anything malformed is left out. */
function readSettings(value: unknown): Settings {
  const out: Record<string, Props> = Object.create(null);
  if (!isRecord(value)) return out;
  for (const name of Object.keys(value)) {
    const props = value[name];
    if (!isRecord(props)) continue;
    const plain: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(props)) plain[key] = unwrapVariant(props[key]);
    out[name] = plain;
  }
  return out;
}

const str = (props: Props, key: string): string =>
  typeof props[key] === 'string' ? (props[key] as string) : '';
const num = (props: Props, key: string): number =>
  typeof props[key] === 'number' && Number.isInteger(props[key]) ? (props[key] as number) : 0;
const strings = (props: Props, key: string): string[] =>
  Array.isArray(props[key]) ? (props[key] as unknown[]).filter((s) => typeof s === 'string') : [];

function need(setting: string, props: Props, keys: string[], flagsKey?: string): NeededSecret {
  return { setting, keys, flags: num(props, flagsKey ?? `${keys[0]}-flags`) };
}

/** Settings whose rules are known here; others are judged by their not-saved flags alone. */
const modelled = new Set([
  '802-11-wireless-security',
  '802-1x',
  'gsm',
  'cdma',
  'pppoe',
  'adsl',
  'wireguard',
  'macsec',
  'vpn',
]);

/**
 * The secrets NetworkManager would need to activate a profile, from its settings (which never
 * carry secrets). Follows libnm's need_secrets rules per setting; WireGuard peers' preshared
 * keys and PKCS#11 certificate PINs beyond the private key are not covered.
 */
export function neededSecrets(rawSettings: unknown): NeededSecret[] {
  const settings = readSettings(rawSettings);
  const needed: NeededSecret[] = [];
  for (const name of Object.keys(settings)) {
    const props = settings[name] as Props;
    switch (name) {
      case '802-11-wireless-security':
        needed.push(...wirelessSecurity(props));
        break;
      case '802-1x':
        needed.push(...ieee8021x(props));
        break;
      case 'gsm':
      case 'cdma':
        if (str(props, 'username') && !(num(props, 'password-flags') & SecretFlag.NotRequired))
          needed.push(need(name, props, ['password']));
        break;
      case 'pppoe':
      case 'adsl':
        if (!(num(props, 'password-flags') & SecretFlag.NotRequired))
          needed.push(need(name, props, ['password']));
        break;
      case 'wireguard':
        if (!(num(props, 'private-key-flags') & SecretFlag.NotRequired))
          needed.push(need(name, props, ['private-key']));
        break;
      case 'macsec':
        // Mode 0 (PSK) authenticates with the connectivity association key; 1 (EAP) via 802-1x.
        if (num(props, 'mode') === 0) needed.push(need(name, props, ['mka-cak']));
        break;
      case 'vpn':
        needed.push(...vpn(props));
        break;
      default:
        if (!modelled.has(name)) needed.push(...notSaved(name, props));
    }
  }
  return needed;
}

function wirelessSecurity(props: Props): NeededSecret[] {
  const setting = '802-11-wireless-security';
  switch (str(props, 'key-mgmt')) {
    case 'none': {
      const index = Math.min(Math.max(num(props, 'wep-tx-keyidx'), 0), 3);
      return [need(setting, props, [`wep-key${index}`], 'wep-key-flags')];
    }
    case 'wpa-psk':
    case 'sae':
      return [need(setting, props, ['psk'])];
    case 'ieee8021x':
      return str(props, 'auth-alg') === 'leap' ? [need(setting, props, ['leap-password'])] : [];
    default:
      // wpa-eap, owe, suite-b: the 802-1x setting (if any) says what they need.
      return [];
  }
}

const passwordMethods = new Set([
  'leap',
  'pwd',
  'md5',
  'pap',
  'chap',
  'mschap',
  'mschapv2',
  'fast',
  'gtc',
]);

/** 802-1x: the first EAP method (in the profile's order) that needs something. */
function ieee8021x(props: Props): NeededSecret[] {
  for (const method of strings(props, 'eap')) {
    const needed = eapMethod(props, method, false);
    if (needed.length > 0) return needed;
  }
  return [];
}

function eapMethod(props: Props, method: string, phase2: boolean): NeededSecret[] {
  const setting = '802-1x';
  if (passwordMethods.has(method))
    return [need(setting, props, ['password', 'password-raw'], 'password-flags')];
  if (method === 'sim') return [need(setting, props, ['pin'])];
  if (method === 'tls') {
    const prefix = phase2 ? 'phase2-' : '';
    const flags = num(props, `${prefix}private-key-password-flags`);
    if (flags & SecretFlag.NotRequired) return [];
    // A PKCS#11 key with system-owned flags is unlocked by its token, not by a password.
    if (flags === SecretFlag.None && isPkcs11(props[`${prefix}private-key`])) return [];
    return [need(setting, props, [`${prefix}private-key-password`])];
  }
  if ((method === 'peap' || method === 'ttls') && !phase2) {
    const inner = str(props, 'phase2-auth') || str(props, 'phase2-autheap');
    return inner ? eapMethod(props, inner, true) : [];
  }
  return [];
}

function isPkcs11(value: unknown): boolean {
  const bytes = value instanceof Uint8Array || Array.isArray(value) ? [...value] : [];
  return String.fromCharCode(...bytes.slice(0, 7)) === 'pkcs11:';
}

/** VPN plugins keep each secret's flags in data as '<secret>-flags' (a number as text). */
function vpn(props: Props): NeededSecret[] {
  const data = props.data;
  if (!isRecord(data)) return [];
  const needed: NeededSecret[] = [];
  for (const key of Object.keys(data)) {
    if (!key.endsWith('-flags') || typeof data[key] !== 'string') continue;
    const flags = Number.parseInt(data[key] as string, 10);
    if (!Number.isInteger(flags) || flags & SecretFlag.NotRequired) continue;
    if (!(flags & (SecretFlag.AgentOwned | SecretFlag.NotSaved))) continue;
    needed.push({ setting: 'vpn', within: 'secrets', keys: [key.slice(0, -6)], flags });
  }
  return needed;
}

/** Settings not modelled here: a secret flagged not-saved is asked for whenever it is needed. */
function notSaved(setting: string, props: Props): NeededSecret[] {
  return Object.keys(props).flatMap((key) => {
    if (!key.endsWith('-flags') || key.length <= 6) return [];
    const flags = num(props, key);
    const asked = flags & SecretFlag.NotSaved && !(flags & SecretFlag.NotRequired);
    return asked ? [{ setting, keys: [key.slice(0, -6)], flags }] : [];
  });
}

/** The needed secrets that `secrets` (GetSecrets replies, merged) do not hold. */
export function missingSecrets(
  needed: readonly NeededSecret[],
  rawSecrets: unknown,
): NeededSecret[] {
  const secrets = readSettings(rawSecrets);
  return needed.filter((secret) => {
    const props = secrets[secret.setting];
    if (!props) return true;
    const holder = secret.within ? props[secret.within] : props;
    if (!isRecord(holder)) return true;
    return !secret.keys.some((key) => hasValue(unwrapVariant(holder[key])));
  });
}

/** AgentManager.NoSecrets ("No agents were available"), UserCanceled, …: nothing to be had. */
function isAgentRefusal(error: unknown): boolean {
  return (
    error instanceof DBusCallError &&
    (error.errorName.startsWith('org.freedesktop.NetworkManager.AgentManager.') ||
      error.errorName.startsWith('org.freedesktop.NetworkManager.SecretAgent.'))
  );
}

function hasValue(value: unknown): boolean {
  if (typeof value === 'string') return value.length > 0;
  if (value instanceof Uint8Array || Array.isArray(value)) return value.length > 0;
  return false;
}

/**
 * Rejects with EngineError('SecretsRequired') when activating `profile` would have
 * NetworkManager's secret agents ask the user. Where NetworkManager will not show this client
 * the secrets (polkit refuses GetSecrets), only secrets flagged not-saved — asked for every
 * time — are known to need the user; the rest is left to NetworkManager, whose NO_SECRETS
 * failure the activation then reports as SecretsRequired too.
 */
export async function checkBackgroundSecrets(ctx: NmAccess, profile: NmProfile): Promise<void> {
  let settings: unknown;
  try {
    settings = (await ctx.call(profile.path, iface.profile, 'GetSettings')).body[0];
  } catch (error) {
    throw engineErrorFrom(error, 'ConnectError', `Reading the profile "${profile.name}" failed`);
  }
  const needed = neededSecrets(settings);
  if (needed.length === 0) return;
  const secrets: Record<string, unknown> = Object.create(null);
  let unreadable: unknown;
  for (const setting of new Set(needed.map((s) => s.setting))) {
    try {
      const reply = await ctx.call(profile.path, iface.profile, 'GetSecrets', 's', [setting]);
      const got = readSettings(reply.body[0]);
      if (got[setting]) secrets[setting] = got[setting];
    } catch (error) {
      // NetworkManager has none and no agent gave any without asking (or no agent runs).
      if (isAgentRefusal(error)) continue;
      if (kindOfCallError(error, 'ConnectError') !== 'PermissionDenied') {
        throw engineErrorFrom(
          error,
          'ConnectError',
          `Reading the secrets of "${profile.name}" failed`,
        );
      }
      unreadable = error;
      break;
    }
  }
  const missing =
    unreadable === undefined
      ? missingSecrets(needed, secrets)
      : needed.filter((s) => s.flags & SecretFlag.NotSaved);
  if (missing.length === 0) return;
  const list = missing.map(secretName).join(', ');
  const it = missing.length === 1 ? 'it' : 'them';
  const why =
    unreadable === undefined
      ? `NetworkManager does not have ${it} and would ask the user through a secret agent`
      : `never saved, so a secret agent would ask the user (and NetworkManager would not show this user the stored secrets: ${
          unreadable instanceof DBusCallError ? unreadable.errorName : 'refused'
        })`;
  throw new EngineError(
    'SecretsRequired',
    `Bringing up "${profile.name}" in the background would need ${list}: ${why}.`,
  );
}
