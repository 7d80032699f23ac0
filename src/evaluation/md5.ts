// The first 32 bits of MD5 (RFC 1321) over a string's UTF-8 bytes: all FeatBit's bucketing reads of the digest.
// Pure, because node:crypto's createHash costs a few microseconds per call for a 30-byte key.

// Scratch space for keys up to 247 UTF-8 bytes (4 blocks), reused: hashing is synchronous and each call
// clears what it uses, so no state survives a call. Longer keys get their own array.
const scratch = new Int32Array(64);
/** How many words of the array paddedUtf8Words last returned hold the message (set by each call). */
let paddedSize = 0;

/**
 * UTF-8 of s1 + s2 + s3, MD5-padded, as little-endian 32-bit words: the first `paddedSize` words of the array
 * returned. The parts are read one by one, not concatenated: reading a concatenation (a cons string) char by
 * char first copies it into a flat string, which cost as much as the hash itself.
 */
function paddedUtf8Words(s1: string, s2: string, s3: string): Int32Array {
  const length = s1.length + s2.length + s3.length; // UTF-8 bytes, if all ASCII
  const words = zeroedWords(length);
  let n = appendAscii(words, s1, 0);
  if (n >= 0) n = appendAscii(words, s2, n);
  if (n >= 0) n = appendAscii(words, s3, n);
  if (n < 0) return paddedUtf8WordsOf(s1 + s2 + s3);
  return pad(words, n);
}

/** Words for a message of `length` bytes plus 0x80 and the 64-bit bit length, in 64-byte blocks, all 0. */
function zeroedWords(length: number): Int32Array {
  const size = Math.ceil((length + 9) / 64) * 16;
  const words = size <= scratch.length ? scratch : new Int32Array(size);
  words.fill(0, 0, size);
  paddedSize = size;
  return words;
}

/** Writes s's bytes from byte `at` and gives the byte after them, or -1 at the first non-ASCII unit. */
function appendAscii(words: Int32Array, s: string, at: number): number {
  for (let i = 0; i < s.length; i++, at++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    words[at >> 2] |= c << ((at & 3) << 3);
  }
  return at;
}

/** The 0x80 after `length` bytes of message and the length in bits, little-endian, in the last 8 bytes. */
function pad(words: Int32Array, length: number): Int32Array {
  words[length >> 2] |= 0x80 << ((length & 3) << 3);
  words[paddedSize - 2] = length << 3;
  words[paddedSize - 1] = length >>> 29;
  return words;
}

/** UTF-8 of s (a lone surrogate becomes U+FFFD, as Buffer.from and .NET's Encoding.UTF8 do), MD5-padded. */
function paddedUtf8WordsOf(s: string): Int32Array {
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
  const words = zeroedWords(length);
  let n = 0;
  if (ascii) n = appendAscii(words, s, 0);
  else {
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
  return pad(words, n);
}

/** MD5(utf8(s1 + s2 + s3)) bytes 0..3 read as a little-endian Int32. The 64 steps are unrolled (constants inline):
 * a loop reading shift amounts and word indexes from tables costs about three times as much. */
export function md5FirstInt32LE(s1: string, s2 = '', s3 = ''): number {
  const x = paddedUtf8Words(s1, s2, s3);
  const size = paddedSize;
  let a0 = 0x67452301;
  let b0 = 0xefcdab89 | 0;
  let c0 = 0x98badcfe | 0;
  let d0 = 0x10325476;
  for (let o = 0; o < size; o += 16) {
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    let n: number;
    n = (a + ((b & c) | (~b & d)) + x[o] - 680876936) | 0;
    a = (((n << 7) | (n >>> 25)) + b) | 0;
    n = (d + ((a & b) | (~a & c)) + x[o + 1] - 389564586) | 0;
    d = (((n << 12) | (n >>> 20)) + a) | 0;
    n = (c + ((d & a) | (~d & b)) + x[o + 2] + 606105819) | 0;
    c = (((n << 17) | (n >>> 15)) + d) | 0;
    n = (b + ((c & d) | (~c & a)) + x[o + 3] - 1044525330) | 0;
    b = (((n << 22) | (n >>> 10)) + c) | 0;
    n = (a + ((b & c) | (~b & d)) + x[o + 4] - 176418897) | 0;
    a = (((n << 7) | (n >>> 25)) + b) | 0;
    n = (d + ((a & b) | (~a & c)) + x[o + 5] + 1200080426) | 0;
    d = (((n << 12) | (n >>> 20)) + a) | 0;
    n = (c + ((d & a) | (~d & b)) + x[o + 6] - 1473231341) | 0;
    c = (((n << 17) | (n >>> 15)) + d) | 0;
    n = (b + ((c & d) | (~c & a)) + x[o + 7] - 45705983) | 0;
    b = (((n << 22) | (n >>> 10)) + c) | 0;
    n = (a + ((b & c) | (~b & d)) + x[o + 8] + 1770035416) | 0;
    a = (((n << 7) | (n >>> 25)) + b) | 0;
    n = (d + ((a & b) | (~a & c)) + x[o + 9] - 1958414417) | 0;
    d = (((n << 12) | (n >>> 20)) + a) | 0;
    n = (c + ((d & a) | (~d & b)) + x[o + 10] - 42063) | 0;
    c = (((n << 17) | (n >>> 15)) + d) | 0;
    n = (b + ((c & d) | (~c & a)) + x[o + 11] - 1990404162) | 0;
    b = (((n << 22) | (n >>> 10)) + c) | 0;
    n = (a + ((b & c) | (~b & d)) + x[o + 12] + 1804603682) | 0;
    a = (((n << 7) | (n >>> 25)) + b) | 0;
    n = (d + ((a & b) | (~a & c)) + x[o + 13] - 40341101) | 0;
    d = (((n << 12) | (n >>> 20)) + a) | 0;
    n = (c + ((d & a) | (~d & b)) + x[o + 14] - 1502002290) | 0;
    c = (((n << 17) | (n >>> 15)) + d) | 0;
    n = (b + ((c & d) | (~c & a)) + x[o + 15] + 1236535329) | 0;
    b = (((n << 22) | (n >>> 10)) + c) | 0;
    n = (a + ((d & b) | (~d & c)) + x[o + 1] - 165796510) | 0;
    a = (((n << 5) | (n >>> 27)) + b) | 0;
    n = (d + ((c & a) | (~c & b)) + x[o + 6] - 1069501632) | 0;
    d = (((n << 9) | (n >>> 23)) + a) | 0;
    n = (c + ((b & d) | (~b & a)) + x[o + 11] + 643717713) | 0;
    c = (((n << 14) | (n >>> 18)) + d) | 0;
    n = (b + ((a & c) | (~a & d)) + x[o] - 373897302) | 0;
    b = (((n << 20) | (n >>> 12)) + c) | 0;
    n = (a + ((d & b) | (~d & c)) + x[o + 5] - 701558691) | 0;
    a = (((n << 5) | (n >>> 27)) + b) | 0;
    n = (d + ((c & a) | (~c & b)) + x[o + 10] + 38016083) | 0;
    d = (((n << 9) | (n >>> 23)) + a) | 0;
    n = (c + ((b & d) | (~b & a)) + x[o + 15] - 660478335) | 0;
    c = (((n << 14) | (n >>> 18)) + d) | 0;
    n = (b + ((a & c) | (~a & d)) + x[o + 4] - 405537848) | 0;
    b = (((n << 20) | (n >>> 12)) + c) | 0;
    n = (a + ((d & b) | (~d & c)) + x[o + 9] + 568446438) | 0;
    a = (((n << 5) | (n >>> 27)) + b) | 0;
    n = (d + ((c & a) | (~c & b)) + x[o + 14] - 1019803690) | 0;
    d = (((n << 9) | (n >>> 23)) + a) | 0;
    n = (c + ((b & d) | (~b & a)) + x[o + 3] - 187363961) | 0;
    c = (((n << 14) | (n >>> 18)) + d) | 0;
    n = (b + ((a & c) | (~a & d)) + x[o + 8] + 1163531501) | 0;
    b = (((n << 20) | (n >>> 12)) + c) | 0;
    n = (a + ((d & b) | (~d & c)) + x[o + 13] - 1444681467) | 0;
    a = (((n << 5) | (n >>> 27)) + b) | 0;
    n = (d + ((c & a) | (~c & b)) + x[o + 2] - 51403784) | 0;
    d = (((n << 9) | (n >>> 23)) + a) | 0;
    n = (c + ((b & d) | (~b & a)) + x[o + 7] + 1735328473) | 0;
    c = (((n << 14) | (n >>> 18)) + d) | 0;
    n = (b + ((a & c) | (~a & d)) + x[o + 12] - 1926607734) | 0;
    b = (((n << 20) | (n >>> 12)) + c) | 0;
    n = (a + (b ^ c ^ d) + x[o + 5] - 378558) | 0;
    a = (((n << 4) | (n >>> 28)) + b) | 0;
    n = (d + (a ^ b ^ c) + x[o + 8] - 2022574463) | 0;
    d = (((n << 11) | (n >>> 21)) + a) | 0;
    n = (c + (d ^ a ^ b) + x[o + 11] + 1839030562) | 0;
    c = (((n << 16) | (n >>> 16)) + d) | 0;
    n = (b + (c ^ d ^ a) + x[o + 14] - 35309556) | 0;
    b = (((n << 23) | (n >>> 9)) + c) | 0;
    n = (a + (b ^ c ^ d) + x[o + 1] - 1530992060) | 0;
    a = (((n << 4) | (n >>> 28)) + b) | 0;
    n = (d + (a ^ b ^ c) + x[o + 4] + 1272893353) | 0;
    d = (((n << 11) | (n >>> 21)) + a) | 0;
    n = (c + (d ^ a ^ b) + x[o + 7] - 155497632) | 0;
    c = (((n << 16) | (n >>> 16)) + d) | 0;
    n = (b + (c ^ d ^ a) + x[o + 10] - 1094730640) | 0;
    b = (((n << 23) | (n >>> 9)) + c) | 0;
    n = (a + (b ^ c ^ d) + x[o + 13] + 681279174) | 0;
    a = (((n << 4) | (n >>> 28)) + b) | 0;
    n = (d + (a ^ b ^ c) + x[o] - 358537222) | 0;
    d = (((n << 11) | (n >>> 21)) + a) | 0;
    n = (c + (d ^ a ^ b) + x[o + 3] - 722521979) | 0;
    c = (((n << 16) | (n >>> 16)) + d) | 0;
    n = (b + (c ^ d ^ a) + x[o + 6] + 76029189) | 0;
    b = (((n << 23) | (n >>> 9)) + c) | 0;
    n = (a + (b ^ c ^ d) + x[o + 9] - 640364487) | 0;
    a = (((n << 4) | (n >>> 28)) + b) | 0;
    n = (d + (a ^ b ^ c) + x[o + 12] - 421815835) | 0;
    d = (((n << 11) | (n >>> 21)) + a) | 0;
    n = (c + (d ^ a ^ b) + x[o + 15] + 530742520) | 0;
    c = (((n << 16) | (n >>> 16)) + d) | 0;
    n = (b + (c ^ d ^ a) + x[o + 2] - 995338651) | 0;
    b = (((n << 23) | (n >>> 9)) + c) | 0;
    n = (a + (c ^ (b | ~d)) + x[o] - 198630844) | 0;
    a = (((n << 6) | (n >>> 26)) + b) | 0;
    n = (d + (b ^ (a | ~c)) + x[o + 7] + 1126891415) | 0;
    d = (((n << 10) | (n >>> 22)) + a) | 0;
    n = (c + (a ^ (d | ~b)) + x[o + 14] - 1416354905) | 0;
    c = (((n << 15) | (n >>> 17)) + d) | 0;
    n = (b + (d ^ (c | ~a)) + x[o + 5] - 57434055) | 0;
    b = (((n << 21) | (n >>> 11)) + c) | 0;
    n = (a + (c ^ (b | ~d)) + x[o + 12] + 1700485571) | 0;
    a = (((n << 6) | (n >>> 26)) + b) | 0;
    n = (d + (b ^ (a | ~c)) + x[o + 3] - 1894986606) | 0;
    d = (((n << 10) | (n >>> 22)) + a) | 0;
    n = (c + (a ^ (d | ~b)) + x[o + 10] - 1051523) | 0;
    c = (((n << 15) | (n >>> 17)) + d) | 0;
    n = (b + (d ^ (c | ~a)) + x[o + 1] - 2054922799) | 0;
    b = (((n << 21) | (n >>> 11)) + c) | 0;
    n = (a + (c ^ (b | ~d)) + x[o + 8] + 1873313359) | 0;
    a = (((n << 6) | (n >>> 26)) + b) | 0;
    n = (d + (b ^ (a | ~c)) + x[o + 15] - 30611744) | 0;
    d = (((n << 10) | (n >>> 22)) + a) | 0;
    n = (c + (a ^ (d | ~b)) + x[o + 6] - 1560198380) | 0;
    c = (((n << 15) | (n >>> 17)) + d) | 0;
    n = (b + (d ^ (c | ~a)) + x[o + 13] + 1309151649) | 0;
    b = (((n << 21) | (n >>> 11)) + c) | 0;
    n = (a + (c ^ (b | ~d)) + x[o + 4] - 145523070) | 0;
    a = (((n << 6) | (n >>> 26)) + b) | 0;
    n = (d + (b ^ (a | ~c)) + x[o + 11] - 1120210379) | 0;
    d = (((n << 10) | (n >>> 22)) + a) | 0;
    n = (c + (a ^ (d | ~b)) + x[o + 2] + 718787259) | 0;
    c = (((n << 15) | (n >>> 17)) + d) | 0;
    n = (b + (d ^ (c | ~a)) + x[o + 9] - 343485551) | 0;
    b = (((n << 21) | (n >>> 11)) + c) | 0;
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  return a0;
}
