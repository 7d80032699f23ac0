import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { textFrame } from './sdk-streaming.ts';

// ws's own framing (not in its type definitions), as the reference for the frames written straight to the socket.
const { Sender } = createRequire(import.meta.url)('ws') as { Sender: { frame(data: Buffer, options: object): Buffer[] } };
const wsFrame = (payload: Buffer) => Buffer.concat(Sender.frame(payload, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }));

describe('textFrame', () => {
  it('is byte for byte the frame ws builds, at every length encoding (7, 16 and 64 bits)', () => {
    for (const n of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      const payload = Buffer.alloc(n, 'é'.charCodeAt(0) % 256);
      expect(textFrame(payload).equals(wsFrame(payload)), String(n)).toBe(true);
    }
  });
});
