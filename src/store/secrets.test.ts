import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isSealed,
  keyFromFile,
  open,
  parseSecretKey,
  resolveSecretKey,
  seal,
  secretKeyFile,
} from './secrets.js';

const hex = 'a1'.repeat(32);
const b64 = Buffer.alloc(32, 7).toString('base64');

describe('secret keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads 32 bytes as hex or base64, and names the source of a malformed key', () => {
    expect(parseSecretKey(hex, 'x').key).toEqual(Buffer.alloc(32, 0xa1));
    expect(parseSecretKey(` ${b64}\n`, 'x').key).toEqual(Buffer.alloc(32, 7));
    for (const bad of ['short', 'a1'.repeat(16), Buffer.alloc(16).toString('base64'), 'not base64 at all!']) {
      let err: { code?: string; message?: string } = {};
      try {
        parseSecretKey(bad, 'INRECORD_SECRET_KEY');
      } catch (e) {
        err = e as typeof err;
      }
      expect(err.code).toBe('IR_SECRET_KEY_INVALID');
      expect(err.message).toContain('INRECORD_SECRET_KEY');
    }
  });

  it('takes INRECORD_SECRET_KEY before the key file', () => {
    const k = resolveSecretKey({ keyFile: join(dir, 'unused.key'), env: { INRECORD_SECRET_KEY: hex } });
    expect(k.source).toBe('INRECORD_SECRET_KEY');
    expect(() => statSync(join(dir, 'unused.key'))).toThrow();
  });

  it('creates the key file on first use, owner-only, and reads the same key afterwards', () => {
    const path = join(dir, 'nested', 'secret.key');
    const first = keyFromFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(keyFromFile(path).id).toBe(first.id);
    expect(parseSecretKey(readFileSync(path, 'utf8'), 'f').key).toEqual(first.key);
  });

  it('puts the key file beside the embedded database, or beside the config for a server', () => {
    expect(secretKeyFile({ server: false, dataDir: '/srv/app/.inrecord' })).toBe(
      '/srv/app/.inrecord/secret.key',
    );
    expect(secretKeyFile({ server: true, dataDir: '/srv/app/.inrecord', configDir: '/etc/inrecord' })).toBe(
      '/etc/inrecord/inrecord.key',
    );
    expect(secretKeyFile({ server: false, dataDir: null })).toBeNull();
  });
});

describe('sealing', () => {
  const k = parseSecretKey(hex, 'INRECORD_SECRET_KEY');
  const other = parseSecretKey(b64, 'key file /x/secret.key');

  it('round-trips with a fresh IV each time, and hides the text', () => {
    const a = seal(k, 'rt-9f8e7d6c5b4a');
    const b = seal(k, 'rt-9f8e7d6c5b4a');
    expect(a).not.toBe(b);
    expect(a).not.toContain('9f8e7d6c');
    expect(isSealed(a)).toBe(true);
    expect(isSealed('rt-9f8e7d6c5b4a')).toBe(false);
    expect(open(k, a, 'tokens')).toBe('rt-9f8e7d6c5b4a');
  });

  it('names both keys when a value was sealed with another one', () => {
    const sealed = seal(k, 'secret');
    let err: { code?: string; message?: string; fix?: string } = {};
    try {
      open(other, sealed, 'the OAuth tokens of hubspot:app');
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('IR_SECRET_KEY_MISMATCH');
    expect(err.message).toContain(k.id);
    expect(err.message).toContain(other.id);
    expect(err.message).toContain('key file /x/secret.key');
    expect(err.fix).toContain('inrecord auth');
  });

  it('refuses an altered value', () => {
    const parts = seal(k, 'secret').split(':');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => open(k, parts.join(':'), 'v')).toThrow(/does not authenticate/);
  });
});
