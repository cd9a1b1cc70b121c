/**
 * Secrets at rest: AES-256-GCM with a key id stored beside each ciphertext, so keys
 * can rotate (new writes use the first key; old ciphertexts still decrypt with theirs).
 *
 * ENCRYPTION_KEY is either one base64 key (32 bytes) or a comma-separated keyring
 * `kid:base64,kid2:base64`. Ciphertext format: `v1.<kid>.<iv>.<tag>.<data>` (base64url).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly currentKid: string;

  constructor(keyring: Array<{ kid: string; key: Buffer }>) {
    if (keyring.length === 0) throw new Error('at least one encryption key is required');
    for (const { kid, key } of keyring) {
      if (key.length !== 32) throw new Error(`encryption key ${kid} must be 32 bytes`);
      if (!/^[A-Za-z0-9_-]+$/.test(kid)) throw new Error(`encryption key id ${kid} must be [A-Za-z0-9_-]`);
    }
    this.keys = new Map(keyring.map(({ kid, key }) => [kid, key]));
    this.currentKid = keyring[0]!.kid;
  }

  static parse(spec: string): SecretBox {
    const entries = spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return new SecretBox(
      entries.map((entry) => {
        const sep = entry.indexOf(':');
        const raw = sep >= 0 ? entry.slice(sep + 1) : entry;
        const key = Buffer.from(raw, 'base64');
        const kid = sep >= 0 ? entry.slice(0, sep) : createHash('sha256').update(key).digest('hex').slice(0, 8);
        return { kid, key };
      }),
    );
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKid)!, iv);
    cipher.setAAD(Buffer.from(this.currentKid));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.currentKid, iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  decrypt(ciphertext: string): string {
    const [version, kid, iv, tag, data] = ciphertext.split('.');
    if (version !== 'v1' || !kid || iv === undefined || tag === undefined || data === undefined) {
      throw new Error('malformed ciphertext');
    }
    const key = this.keys.get(kid);
    if (!key) throw new Error(`no encryption key with id ${kid} (was ENCRYPTION_KEY rotated without keeping the old key?)`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(kid));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  encryptJson(value: unknown): string {
    return this.encrypt(JSON.stringify(value));
  }

  decryptJson<T = Record<string, unknown>>(ciphertext: string): T {
    return JSON.parse(this.decrypt(ciphertext)) as T;
  }

  /**
   * An HMAC-SHA256 of `value` (base64url) under a key for `purpose` derived from the current
   * encryption key with HKDF, so the encryption key itself signs nothing. Rotating ENCRYPTION_KEY
   * invalidates outstanding MACs.
   */
  mac(purpose: string, value: string): string {
    return this.macBytes(purpose, value).toString('base64url');
  }

  /** Whether `mac` is `value`'s MAC for `purpose`, compared in constant time. */
  verifyMac(purpose: string, value: string, mac: string): boolean {
    const expected = this.macBytes(purpose, value);
    const given = Buffer.from(mac, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private macBytes(purpose: string, value: string): Buffer {
    const key = Buffer.from(hkdfSync('sha256', this.keys.get(this.currentKid)!, Buffer.alloc(0), `syncwell:${purpose}`, 32));
    return createHmac('sha256', key).update(value).digest();
  }

  /** Key id of a ciphertext, to find what still needs re-encrypting after a rotation. */
  static keyIdOf(ciphertext: string): string | undefined {
    return ciphertext.split('.')[1];
  }
}

/** ENCRYPTION_KEY when set; otherwise a development key generated once into DATA_DIR. */
export async function loadSecretBox(encryptionKey: string | undefined, dataDir: string): Promise<SecretBox> {
  if (encryptionKey) return SecretBox.parse(encryptionKey);
  const file = path.join(dataDir, 'encryption.key');
  if (!existsSync(file)) {
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, `dev:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch((err: { code?: string }) => {
      if (err.code !== 'EEXIST') throw err; // another process created it first
    });
  }
  return SecretBox.parse((await readFile(file, 'utf8')).trim());
}
