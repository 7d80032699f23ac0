/** A clock tests move by hand, so expiry, throttling and cache ages are exact. */
export class FakeClock {
  constructor(public t = Date.parse('2026-01-01T00:00:00Z')) {}
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}
