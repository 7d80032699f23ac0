// The first 32 bits of MD5 (RFC 1321) over a string's UTF-8 bytes: all FeatBit's bucketing reads of the digest.
// Pure, because node:crypto's createHash costs a few microseconds per call for a 30-byte key.

const K = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);

// Scratch space for keys up to 247 UTF-8 bytes (4 blocks), reused: hashing is synchronous and each call
// clears what it uses, so no state survives a call. Longer keys get their own array.
const scratch = new Int32Array(64);

/** UTF-8 of s (a lone surrogate becomes U+FFFD, as Buffer.from and .NET's Encoding.UTF8 do), MD5-padded,
 * as little-endian 32-bit words: the first `size` words of the array returned. */
function paddedUtf8Words(s: string, out: { size: number }): Int32Array {
  let length = 0;
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) {
      length += 2;
      ascii = false;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 4;
      i++;
      ascii = false;
    } else {
      length += 3;
      ascii = false;
    }
  }
  // Then 0x80 and the 64-bit bit length, rounded up to 64-byte blocks.
  const size = Math.ceil((length + 9) / 64) * 16;
  const words = size <= scratch.length ? scratch : new Int32Array(size);
  words.fill(0, 0, size);
  out.size = size;
  let n = 0;
  if (ascii) {
    for (; n < length; n++) words[n >> 2] |= s.charCodeAt(n) << ((n & 3) << 3);
  } else {
    const bytes: number[] = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) bytes.push(c);
      else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      } else {
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
    }
    for (; n < length; n++) words[n >> 2] |= bytes[n] << ((n & 3) << 3);
  }
  words[n >> 2] |= 0x80 << ((n & 3) << 3);
  // Length in bits, little-endian, in the last 8 bytes.
  words[size - 2] = length << 3;
  words[size - 1] = length >>> 29;
  return words;
}

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

/** MD5(utf8(s)) bytes 0..3 read as a little-endian Int32. */
export function md5FirstInt32LE(s: string): number {
  const out = { size: 0 };
  const x = paddedUtf8Words(s, out);
  const size = out.size;
  let a0 = 0x67452301,
    b0 = 0xefcdab89 | 0,
    c0 = 0x98badcfe | 0,
    d0 = 0x10325476;
  for (let off = 0; off < size; off += 16) {
    let a = a0,
      b = b0,
      c = c0,
      d = d0,
      t: number;
    for (let i = 0; i < 16; i++) {
      t = (a + ((b & c) | (~b & d)) + K[i] + x[off + i]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + rotl(t, i % 4 === 0 ? 7 : i % 4 === 1 ? 12 : i % 4 === 2 ? 17 : 22)) | 0;
    }
    for (let i = 16; i < 32; i++) {
      t = (a + ((d & b) | (~d & c)) + K[i] + x[off + ((5 * i + 1) & 15)]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + rotl(t, i % 4 === 0 ? 5 : i % 4 === 1 ? 9 : i % 4 === 2 ? 14 : 20)) | 0;
    }
    for (let i = 32; i < 48; i++) {
      t = (a + (b ^ c ^ d) + K[i] + x[off + ((3 * i + 5) & 15)]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + rotl(t, i % 4 === 0 ? 4 : i % 4 === 1 ? 11 : i % 4 === 2 ? 16 : 23)) | 0;
    }
    for (let i = 48; i < 64; i++) {
      t = (a + (c ^ (b | ~d)) + K[i] + x[off + ((7 * i) & 15)]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + rotl(t, i % 4 === 0 ? 6 : i % 4 === 1 ? 10 : i % 4 === 2 ? 15 : 21)) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  return a0;
}
