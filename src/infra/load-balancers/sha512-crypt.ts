import { createHash, type Hash } from 'node:crypto';

const alphabet = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * SHA-512-crypt (`$6$`, Ulrich Drepper's specification), the scheme HAProxy's
 * `userlist` verifies through the C library's crypt(3). Node has no crypt, and
 * HAProxy checks the hash on every request (blocking), so callers pick a low
 * round count (the minimum, 1000, costs about 0.3 ms). Example:
 * `sha512Crypt('pw', 'saltsalt', 1000)` → `$6$rounds=1000$saltsalt$…`.
 */
export function sha512Crypt(password: string, salt: string, rounds = 5000): string {
  const key = Buffer.from(password, 'utf8');
  const saltBytes = Buffer.from(salt.slice(0, 16), 'utf8');
  const r = Math.min(Math.max(Math.trunc(rounds), 1000), 999_999_999);
  const digest = (feed: (hash: Hash) => void): Buffer => {
    const hash = createHash('sha512');
    feed(hash);
    return hash.digest();
  };
  const b = digest((h) => h.update(key).update(saltBytes).update(key));
  const a = digest((h) => {
    h.update(key).update(saltBytes);
    let n = key.length;
    for (; n > 64; n -= 64) h.update(b);
    h.update(b.subarray(0, n));
    for (let bits = key.length; bits > 0; bits >>= 1) h.update(bits & 1 ? b : key);
  });
  const dp = repeatTo(
    digest((h) => {
      for (let i = 0; i < key.length; i += 1) h.update(key);
    }),
    key.length,
  );
  const ds = repeatTo(
    digest((h) => {
      for (let i = 0; i < 16 + a[0]!; i += 1) h.update(saltBytes);
    }),
    saltBytes.length,
  );
  let c = a;
  for (let i = 0; i < r; i += 1) {
    const previous = c;
    c = digest((h) => {
      h.update(i & 1 ? dp : previous);
      if (i % 3) h.update(ds);
      if (i % 7) h.update(dp);
      h.update(i & 1 ? previous : dp);
    });
  }
  const order = [
    [0, 21, 42],
    [22, 43, 1],
    [44, 2, 23],
    [3, 24, 45],
    [25, 46, 4],
    [47, 5, 26],
    [6, 27, 48],
    [28, 49, 7],
    [50, 8, 29],
    [9, 30, 51],
    [31, 52, 10],
    [53, 11, 32],
    [12, 33, 54],
    [34, 55, 13],
    [56, 14, 35],
    [15, 36, 57],
    [37, 58, 16],
    [59, 17, 38],
    [18, 39, 60],
    [40, 61, 19],
    [62, 20, 41],
  ] as const;
  let encoded = '';
  for (const [x, y, z] of order) encoded += base64((c[x]! << 16) | (c[y]! << 8) | c[z]!, 4);
  encoded += base64(c[63]!, 2);
  return `$6$rounds=${r}$${saltBytes.toString('utf8')}$${encoded}`;
}

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) out[i] = block[i % block.length]!;
  return out;
}

function base64(value: number, count: number): string {
  let out = '';
  for (let i = 0; i < count; i += 1, value >>= 6) out += alphabet[value & 0x3f];
  return out;
}
