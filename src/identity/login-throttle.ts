// Failed sign-ins are counted per email and per address; past the limit, 429 until the window ends.

export class LoginThrottle {
  private readonly failures = new Map<string, { start: number; count: number }>();

  constructor(
    readonly perEmail = 10,
    private readonly perAddress = 50,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Seconds to wait, or 0 when an attempt may be made. */
  retryAfter(email: string, address: string, now: number): number {
    const wait = (key: string, limit: number) => {
      const w = this.failures.get(key);
      if (!w || now - w.start >= this.windowMs || w.count < limit) return 0;
      return Math.ceil((w.start + this.windowMs - now) / 1000);
    };
    return Math.max(wait(`e:${email}`, this.perEmail), wait(`a:${address}`, this.perAddress));
  }

  fail(email: string, address: string, now: number): void {
    for (const key of [`e:${email}`, `a:${address}`]) {
      const w = this.failures.get(key);
      if (!w || now - w.start >= this.windowMs) this.failures.set(key, { start: now, count: 1 });
      else w.count++;
    }
    if (this.failures.size > 100_000) for (const [k, w] of this.failures) if (now - w.start >= this.windowMs) this.failures.delete(k);
  }

  succeed(email: string): void {
    this.failures.delete(`e:${email}`);
  }
}
