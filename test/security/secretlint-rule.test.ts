// The secretlint rule shipped in tools/secretlint-rule-ensign, run by the real `secretlint` command: it finds a real
// token, and not one of 10,000 strings of the same shape whose checksum is wrong.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checksum, generateCredential, parseCredential, randomBase62 } from '../../src/auth/credential-format.ts';
// @ts-expect-error: a plain JavaScript package (scanner rules cannot import the server's TypeScript).
import { isEnsignToken } from '../../tools/secretlint-rule-ensign/index.js';
import { repoRoot } from '../reliability/support/server.ts';

const RULE = join(repoRoot, 'tools/secretlint-rule-ensign/index.js');

/** secretlint's JSON report for the files in `dir`. */
function secretlint(dir: string): { findings: { file: string; ruleId: string; range: number[] }[] } {
  writeFileSync(join(dir, '.secretlintrc.json'), JSON.stringify({ rules: [{ id: RULE }] }));
  // The report goes to a file: piped, a large one was cut short when the process exited.
  const report = join(dir, '..', `${basename(dir)}-report.json`);
  const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules/secretlint/bin/secretlint.js'), '--format', 'json', '--output', report, '**/*'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`secretlint failed (${r.status}): ${r.stderr}`);
  const results = JSON.parse(readFileSync(report, 'utf8')) as { filePath: string; messages: { ruleId: string; range: number[] }[] }[];
  return { findings: results.flatMap((f) => f.messages.map((m) => ({ file: f.filePath, ruleId: m.ruleId, range: m.range }))) };
}

/** The token's shape with any checksum but the right one. */
function lookAlike(): string {
  const head = (Math.random() < 0.5 ? 'ens_pat_' : 'ens_svc_') + randomBase62(32);
  let tail = randomBase62(6);
  while (tail === checksum(head)) tail = randomBase62(6);
  return head + tail;
}

describe('secretlint rule', () => {
  let dir = '';
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}-report.json`, { force: true });
  });

  it('finds a real personal and a real service token where they sit', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ensign-secretlint-'));
    const pat = generateCredential('Personal');
    const svc = generateCredential('Service');
    const text = `# deploy settings\nENSIGN_TOKEN=${pat}\nother: "Authorization: Bearer ${svc}"\n`;
    writeFileSync(join(dir, 'settings.env'), text);
    const { findings } = secretlint(dir);
    expect(findings.map((f) => f.ruleId)).toEqual([RULE, RULE]);
    expect(findings.map((f) => text.slice(f.range[0], f.range[1]))).toEqual([pat, svc]);
  }, 60_000);

  it('reports none of 10,000 random look-alikes with a wrong checksum (and agrees with the server on each)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ensign-secretlint-'));
    const fakes = Array.from({ length: 10_000 }, lookAlike);
    for (const f of fakes) {
      expect(parseCredential(f)).toBeNull();
      expect(isEnsignToken(f)).toBe(false);
    }
    writeFileSync(join(dir, 'lookalikes.txt'), fakes.map((f, i) => (i % 3 === 0 ? `token=${f}` : f)).join('\n'));
    const { findings } = secretlint(dir);
    expect(findings).toEqual([]);
  }, 60_000);

  it("agrees with the server's checksum on real tokens", () => {
    for (let i = 0; i < 1000; i++) expect(isEnsignToken(generateCredential(i % 2 ? 'Personal' : 'Service'))).toBe(true);
  });
});
