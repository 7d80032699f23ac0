// The ETag of a server SDK's poll, sealed so that it can stand in for the key that asked.
//
// FeatBit's node server SDK (1.3.0) revalidates a poll by sending `If-None-Match` INSTEAD of its headers: the
// Authorization header is dropped (Requestor.requestWithETagCache replaces `headers`). FeatBit's own server sends no
// ETag, so its SDK never takes that path; Ensign does send one (spec 05: "ETag supported"), and a plain digest would
// leave every polling SDK with a 401 from its second unchanged poll on, frozen for good. So the ETag carries, sealed
// with AES-256-GCM under a key derived from the server secret, the digest of the body it describes AND the SDK key that
// received it. A revalidation without Authorization is judged by that key exactly as if it had been sent: a revoked,
// rotated-out or deleted key stops working through its ETags too. The tag is only ever accepted by the server poll.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface OpenedPollEtag {
  /** The SDK key the sealed ETag was issued to. */
  secret: string;
  /** The digest of the body it describes (the unsealed ETag of that body). */
  bodyTag: string;
}

export interface PollEtags {
  seal(secret: string, bodyTag: string): string;
  /** The sealed contents, or null for anything this server did not seal (forged, altered, other secret, garbage). */
  open(etag: string): OpenedPollEtag | null;
}

const PREFIX = '"p1.';
const AAD = Buffer.from('ensign server poll etag v1');
/** Longest sealed tag we read: a 512-character key and a digest, with room to spare; longer input is not ours. */
const MAX_LENGTH = 1024;

export function createPollEtags(serverSecret: string): PollEtags {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, 'ensign', 'sdk-poll-etag-v1', 32));
  return {
    seal(secret, bodyTag) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(AAD);
      const sealed = Buffer.concat([iv, cipher.update(`${bodyTag}\n${secret}`, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${PREFIX}${sealed.toString('base64url')}"`;
    },
    open(etag) {
      // A client may mark the tag weak (W/"…"); the sealed part is what matters.
      const tag = etag.startsWith('W/') ? etag.slice(2) : etag;
      if (tag.length > MAX_LENGTH || !tag.startsWith(PREFIX) || !tag.endsWith('"')) return null;
      const raw = Buffer.from(tag.slice(PREFIX.length, -1), 'base64url');
      if (raw.length < 12 + 16 + 3) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAAD(AAD);
        decipher.setAuthTag(raw.subarray(raw.length - 16));
        const text = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
        const cut = text.indexOf('\n');
        if (cut <= 0 || cut === text.length - 1) return null;
        return { bodyTag: text.slice(0, cut), secret: text.slice(cut + 1) };
      } catch {
        return null;
      }
    },
  };
}
