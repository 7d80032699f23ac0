import { createServer } from 'node:net';

/** A port on 127.0.0.1 that was free a moment ago (the OS picks it; the probe closes before returning). */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}
