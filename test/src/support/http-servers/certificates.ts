/**
 * The test run's TLS material, made by the openssl CLI: a CA, a valid localhost/127.0.0.1
 * certificate it signed, and the three classic failures (expired, self-signed, wrong host).
 * Made once per run (run-cache.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCacheDirectory } from './run-cache.js';

const run = promisify(execFile);

export interface CertificateFiles {
  /** PEM text of the certificate and of its private key. */
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

export interface TestCertificates {
  /** The CA every non-self-signed certificate here is signed by (PEM text and path). */
  ca: { cert: string; certPath: string };
  /** localhost, 127.0.0.1 and ::1; valid for 30 days. */
  valid: CertificateFiles;
  /** localhost and 127.0.0.1, signed by the CA, but expired (notAfter a day before notBefore). */
  expired: CertificateFiles;
  /** localhost and 127.0.0.1, signed by itself. */
  selfSigned: CertificateFiles;
  /** wrong.example only, signed by the CA. */
  wrongHost: CertificateFiles;
}

const localNames = 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1';
let made: Promise<TestCertificates> | undefined;

export function certificates(): Promise<TestCertificates> {
  made ??= load();
  return made;
}

async function load(): Promise<TestCertificates> {
  const target = cacheDirectory();
  if (!existsSync(join(target, 'done'))) {
    const scratch = mkdtempSync(`${target}.making-`);
    await generate(scratch);
    writeFileSync(join(scratch, 'done'), '');
    try {
      renameSync(scratch, target);
    } catch {
      // Another worker of this run was first: use its set.
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const files = (name: string): CertificateFiles => ({
    cert: readFileSync(join(target, `${name}.crt`), 'utf8'),
    key: readFileSync(join(target, `${name}.key`), 'utf8'),
    certPath: join(target, `${name}.crt`),
    keyPath: join(target, `${name}.key`),
  });
  return {
    ca: { cert: readFileSync(join(target, 'ca.crt'), 'utf8'), certPath: join(target, 'ca.crt') },
    valid: files('valid'),
    expired: files('expired'),
    selfSigned: files('self-signed'),
    wrongHost: files('wrong-host'),
  };
}

function cacheDirectory(): string {
  return join(runCacheDirectory(), 'test-certificates');
}

async function openssl(directory: string, args: string[]) {
  try {
    await run('openssl', args, { cwd: directory });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr ?? String(error)}`);
  }
}

const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function generate(directory: string) {
  await openssl(directory, [
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '30',
    '-subj',
    '/CN=netbearer test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await Promise.all([
    signed(directory, 'valid', localNames, '30'),
    signed(directory, 'expired', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-1'),
    signed(directory, 'wrong-host', 'subjectAltName=DNS:wrong.example', '30'),
    openssl(directory, [
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      'self-signed.key',
      '-out',
      'self-signed.crt',
      '-days',
      '30',
      '-subj',
      '/CN=localhost',
      '-addext',
      localNames,
    ]),
  ]);
}

async function signed(directory: string, name: string, names: string, days: string) {
  await openssl(directory, [
    'req',
    '-new',
    ...newKey,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${name}`,
    '-addext',
    names,
  ]);
  await openssl(directory, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-days',
    days,
    '-copy_extensions',
    'copy',
    '-out',
    `${name}.crt`,
  ]);
}
