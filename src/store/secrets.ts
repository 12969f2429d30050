/**
 * Secrets at rest: values the store keeps that would give access to someone else's system (OAuth
 * tokens) are sealed with AES-256-GCM, each with its own random 12-byte IV. A sealed value names
 * the key that sealed it (the first 8 bytes of the key's SHA-256, as hex), so reading it with
 * another key is a clear IR_SECRET_KEY_MISMATCH, not garbage or a bare "unable to authenticate".
 *
 * The key: INRECORD_SECRET_KEY (32 bytes, base64 or hex), else a key file created on first use with
 * mode 0600 — `<data dir>/secret.key` for the embedded store, `inrecord.key` beside the config for
 * a Postgres server store. An in-memory store without either gets a key that lives as long as it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InrecordError } from '../errors/index.js';

const PREFIX = 'ir1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
export const SECRET_KEY_ENV = 'INRECORD_SECRET_KEY';

export interface SecretKey {
  key: Buffer;
  /** Fingerprint stored with every sealed value. */
  id: string;
  /** Where the key came from, for messages: `INRECORD_SECRET_KEY`, `key file <path>`, … */
  source: string;
}

export interface SecretBox {
  /** The current key's fingerprint (loads the key). */
  keyId(): string;
  keySource(): string;
  seal(plain: string): string;
  /** `what` names the value in an error ("the OAuth tokens of hubspot:abc"). */
  open(sealed: string, what: string): string;
}

/** Whether a stored value is sealed (anything else is a plaintext value from before sealing). */
export function isSealed(value: string): boolean {
  return value.startsWith(`${PREFIX}:`);
}

export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** 32 bytes written as 64 hex digits or as base64 (standard or URL-safe). */
export function parseSecretKey(text: string, source: string): SecretKey {
  const t = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    if (b.length === KEY_BYTES) key = b;
  }
  if (!key) {
    throw new InrecordError(
      'IR_SECRET_KEY_INVALID',
      `${source} is not a 32-byte key: expected 64 hex digits or 44 base64 characters, got ${t.length} characters`,
      {
        context: { source },
      },
    );
  }
  return { key, id: keyFingerprint(key), source };
}

/** Reads the key file, or creates it (mode 0600) when it does not exist yet. */
export function keyFromFile(path: string): SecretKey {
  const source = `key file ${path}`;
  try {
    return parseSecretKey(readFileSync(path, 'utf8'), source);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // another process created it first: use theirs
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseSecretKey(readFileSync(path, 'utf8'), source);
}

export interface SecretKeyOptions {
  /** Key material given by the caller (base64 or hex); before the environment. */
  key?: string;
  /** The key file used when neither a key nor INRECORD_SECRET_KEY is given; absent: a key for this process only. */
  keyFile?: string;
  env?: NodeJS.ProcessEnv;
}

export function resolveSecretKey(opts: SecretKeyOptions): SecretKey {
  if (opts.key !== undefined) return parseSecretKey(opts.key, 'the configured secret key');
  const fromEnv = (opts.env ?? process.env)[SECRET_KEY_ENV];
  if (fromEnv) return parseSecretKey(fromEnv, SECRET_KEY_ENV);
  if (opts.keyFile) return keyFromFile(opts.keyFile);
  const key = randomBytes(KEY_BYTES);
  return { key, id: keyFingerprint(key), source: 'a key for this in-memory store only' };
}

export function seal(k: SecretKey, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [
    PREFIX,
    k.id,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ct.toString('base64url'),
  ].join(':');
}

const MISMATCH_FIX = `Set ${SECRET_KEY_ENV} to the key the values were sealed with (or restore that key file), or re-authorise with \`inrecord auth <crm>\` to store a new grant under the current key.`;

export function open(k: SecretKey, sealed: string, what: string): string {
  const parts = sealed.split(':');
  if (parts.length !== 5 || parts[0] !== PREFIX) {
    throw new InrecordError('IR_SECRET_KEY_MISMATCH', `${what}: the stored value is not a sealed secret`, {
      context: { what },
      fix: MISMATCH_FIX,
    });
  }
  const [, id, iv, tag, ct] = parts as [string, string, string, string, string];
  if (id !== k.id) {
    throw new InrecordError(
      'IR_SECRET_KEY_MISMATCH',
      `${what} were sealed with key ${id}, but the current key (${k.source}) is ${k.id}`,
      {
        context: { what, expectedKeyId: id, currentKeyId: k.id },
        fix: MISMATCH_FIX,
      },
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', k.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new InrecordError(
      'IR_SECRET_KEY_MISMATCH',
      `${what}: the sealed value does not authenticate under key ${k.id} (altered or damaged)`,
      {
        context: { what, expectedKeyId: id, currentKeyId: k.id },
        fix: MISMATCH_FIX,
        cause: err,
      },
    );
  }
}

/** A box that loads its key on first use (a key file is created only when a secret is stored or read). */
export function secretBox(opts: SecretKeyOptions): SecretBox {
  let k: SecretKey | undefined;
  const key = () => {
    k ??= resolveSecretKey(opts);
    return k;
  };
  return {
    keyId: () => key().id,
    keySource: () => key().source,
    seal: (plain) => seal(key(), plain),
    open: (sealed, what) => open(key(), sealed, what),
  };
}

/**
 * Where the key file is when INRECORD_SECRET_KEY is not set: beside the embedded store's database
 * (`<data dir>/secret.key`), or beside the config for a Postgres server store (`inrecord.key`);
 * none for an in-memory store.
 */
export function secretKeyFile(where: {
  server: boolean;
  dataDir: string | null;
  configDir?: string;
}): string | null {
  if (where.server) return resolve(where.configDir ?? '.', 'inrecord.key');
  return where.dataDir ? join(where.dataDir, 'secret.key') : null;
}
