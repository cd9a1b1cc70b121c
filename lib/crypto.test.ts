import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecretBox, SecretBox } from './crypto';

const key = () => randomBytes(32).toString('base64');

describe('SecretBox', () => {
  it('round-trips and never contains the plaintext', () => {
    const box = SecretBox.parse(key());
    const ct = box.encrypt('hunter2-secret');
    expect(ct).not.toContain('hunter2');
    expect(box.decrypt(ct)).toBe('hunter2-secret');
    expect(box.encrypt('x')).not.toBe(box.encrypt('x')); // random IV
  });

  it('rotates: new writes use the first key, old ciphertexts still decrypt', () => {
    const oldKey = key();
    const old = SecretBox.parse(`k1:${oldKey}`);
    const ct = old.encrypt('token');
    const rotated = SecretBox.parse(`k2:${key()},k1:${oldKey}`);
    expect(rotated.decrypt(ct)).toBe('token');
    expect(SecretBox.keyIdOf(rotated.encrypt('token'))).toBe('k2');
    expect(() => SecretBox.parse(`k3:${key()}`).decrypt(ct)).toThrow(/no encryption key with id k1/);
  });

  it('detects tampering', () => {
    const box = SecretBox.parse(key());
    const parts = box.encrypt('secret').split('.');
    parts[4] = Buffer.from('forged').toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).toThrow();
  });

  it('rejects keys of the wrong size', () => {
    expect(() => SecretBox.parse(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });

  it('generates a persistent dev key under DATA_DIR when none is configured', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sw-key-'));
    const a = await loadSecretBox(undefined, dir);
    const b = await loadSecretBox(undefined, dir);
    expect(b.decrypt(a.encrypt('same key'))).toBe('same key');
    expect(await readFile(path.join(dir, 'encryption.key'), 'utf8')).toMatch(/^dev:/);
  });
});
