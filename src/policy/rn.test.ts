import { describe, expect, it } from 'vitest';
import { formatRn, matches, parsePattern, parseRn, patternCanMatch, rn, type Rn } from './rn.ts';

function pattern(text: string) {
  const parsed = parsePattern(text);
  if (parsed === null) throw new Error(`bad pattern in test: ${text}`);
  return parsed;
}

function hits(patternText: string, name: Rn | string): boolean {
  const target = typeof name === 'string' ? parseRn(name) : name;
  if (target === null) throw new Error(`bad rn in test: ${String(name)}`);
  return matches(pattern(patternText), target);
}

describe('rn builders', () => {
  it('build the RN of each concrete resource as 02-iam.md lists them', () => {
    expect(formatRn(rn.organization('acme'))).toBe('organization/acme');
    expect(formatRn(rn.iam('acme'))).toBe('iam/acme');
    expect(formatRn(rn.accessToken('tok_1'))).toBe('access-token/tok_1');
    expect(formatRn(rn.project('web'))).toBe('project/web');
    expect(formatRn(rn.env('web', 'prod'))).toBe('project/web:env/prod');
    expect(formatRn(rn.flag('web', 'prod', 'checkout', ['beta', 'pay']))).toBe('project/web:env/prod:flag/checkout;beta,pay');
    expect(formatRn(rn.flag('web', 'prod', 'checkout'))).toBe('project/web:env/prod:flag/checkout');
    expect(formatRn(rn.segment('web', 'prod', 'vip', ['x']))).toBe('project/web:env/prod:segment/vip;x');
  });

  it('copy the tag list so later changes to the caller array do not leak in', () => {
    const tags = ['a'];
    const name = rn.flag('p', 'e', 'f', tags);
    tags.push('b');
    expect(name.tags).toEqual(['a']);
  });
});

describe('parseRn', () => {
  it('round-trips with formatRn', () => {
    for (const text of ['organization/acme', 'project/web:env/prod:flag/checkout;beta,pay', 'project/web:env/*:flag/*']) {
      expect(formatRn(parseRn(text)!)).toBe(text);
    }
  });

  it('parses tags onto the RN, not onto a segment', () => {
    expect(parseRn('project/p:env/e:flag/f;a,b')).toEqual({
      segments: [
        { type: 'project', key: 'p' },
        { type: 'env', key: 'e' },
        { type: 'flag', key: 'f' },
      ],
      tags: ['a', 'b'],
    });
  });

  it.each([
    '',
    '*',
    'project',
    'project/',
    '/web',
    'project/web:',
    ':project/web',
    'project/web::env/e',
    'project/a/b',
    'project/web;',
    'project/web;a,,b',
    'project/web;a;b',
    'Project/web',
    '1project/web',
    'pro ject/web',
    'project/we\nb',
    'project/web;ta\tg',
    'project/web:env/prod;',
  ])('rejects malformed %j', (text) => {
    expect(parseRn(text)).toBeNull();
  });

  it('rejects more than 16 segments and more than 1024 characters', () => {
    const sixteen = Array.from({ length: 16 }, (_, i) => `s/k${i}`).join(':');
    expect(parseRn(sixteen)).not.toBeNull();
    expect(parseRn(`${sixteen}:s/x`)).toBeNull();
    expect(parseRn(`project/${'a'.repeat(1016)}`)).not.toBeNull();
    expect(parseRn(`project/${'a'.repeat(1017)}`)).toBeNull();
  });

  it('never throws on non-string input', () => {
    for (const junk of [null, undefined, 42, {}, []]) {
      expect(parseRn(junk as unknown as string)).toBeNull();
      expect(parsePattern(junk as unknown as string)).toBeNull();
    }
  });
});

describe('parsePattern', () => {
  it('accepts `*` alone and globs in keys and tags', () => {
    expect(parsePattern('*')?.all).toBe(true);
    expect(parsePattern('project/web-*:env/*:flag/*;team-*')).not.toBeNull();
  });

  it.each(['*;beta', '*/web', 'proj*/web', 'project/web:*', '**', 'project/web;', 'project//'])('rejects %j', (text) => {
    expect(parsePattern(text)).toBeNull();
  });
});

describe('matches', () => {
  it('`*` alone matches every RN, tagged or not', () => {
    expect(hits('*', 'organization/acme')).toBe(true);
    expect(hits('*', 'project/p:env/e:flag/f;a')).toBe(true);
  });

  it('a shorter pattern matches as a prefix: a project pattern covers its envs, flags and segments', () => {
    expect(hits('project/web', 'project/web')).toBe(true);
    expect(hits('project/web', 'project/web:env/prod')).toBe(true);
    expect(hits('project/web', 'project/web:env/prod:flag/f;t')).toBe(true);
    expect(hits('project/web', 'project/api:env/prod')).toBe(false);
  });

  it('a longer pattern never matches', () => {
    expect(hits('project/web:env/*', 'project/web')).toBe(false);
    expect(hits('project/*:env/*:flag/*', 'project/web:env/prod')).toBe(false);
  });

  it('types are compared literally, keys as globs', () => {
    expect(hits('project/*', 'organization/web')).toBe(false);
    expect(hits('project/web-*', 'project/web-shop')).toBe(true);
    expect(hits('project/web-*', 'project/api')).toBe(false);
    expect(hits('project/*:env/*-prod', 'project/x:env/eu-prod')).toBe(true);
    expect(hits('project/*:env/*-prod', 'project/x:env/eu-dev')).toBe(false);
  });

  it('a glob stays within one key: it cannot swallow a separator', () => {
    expect(hits('project/*', 'project/a:b/c')).toBe(true); // prefix match, not a key spanning `:`
    expect(hits('project/a*c', 'project/a:b/c')).toBe(false);
  });

  it('a tagged pattern needs at least one shared tag', () => {
    expect(hits('project/*:env/*:flag/*;beta', rn.flag('p', 'e', 'f', ['beta', 'x']))).toBe(true);
    expect(hits('project/*:env/*:flag/*;beta,pay', rn.flag('p', 'e', 'f', ['pay']))).toBe(true);
    expect(hits('project/*:env/*:flag/*;beta', rn.flag('p', 'e', 'f', ['alpha']))).toBe(false);
    expect(hits('project/*:env/*:flag/*;beta', rn.flag('p', 'e', 'f', []))).toBe(false);
    expect(hits('project/*:env/*:flag/*;team-*', rn.flag('p', 'e', 'f', ['team-pay']))).toBe(true);
  });

  it('tags on a prefix pattern test the RN tags, whatever the segment count', () => {
    expect(hits('project/web;beta', rn.flag('web', 'e', 'f', ['beta']))).toBe(true);
    expect(hits('project/web;beta', rn.flag('web', 'e', 'f', ['other']))).toBe(false);
    expect(hits('project/web;beta', rn.project('web'))).toBe(false);
  });

  it('an untagged pattern ignores tags', () => {
    expect(hits('project/*:env/*:flag/f', rn.flag('p', 'e', 'f', ['anything']))).toBe(true);
  });

  it('a literal `*` key in an RN (collection check) is matched by globs, not by other literals', () => {
    expect(hits('project/web:env/prod:flag/*', 'project/web:env/prod:flag/*')).toBe(true);
    expect(hits('project/web:env/prod:flag/checkout', 'project/web:env/prod:flag/*')).toBe(false);
    expect(hits('project/web:env/prod', 'project/web:env/prod:flag/*')).toBe(true);
  });

  it('matches on parts, so a key holding a separator cannot fake another resource', () => {
    const sneaky = rn.project('web:env/prod');
    expect(hits('project/web', sneaky)).toBe(false);
    expect(hits('project/web:env/prod', sneaky)).toBe(false);
  });
});

describe('patternCanMatch: statements may only name resources that can exist', () => {
  it.each([
    '*',
    'project/*',
    'project/web',
    'project/web:env/prod',
    'project/*:env/*:flag/*',
    'project/web:env/prod:flag/check-out_v2.1',
    'project/web:env/*:segment/beta*',
    'project/web;beta',
    'project/*:env/*:flag/*;beta,pay*',
    'organization/acme',
    'iam/*',
    'access-token/*',
    'access-token/0b4a5c3e-1f2d-4e5f-8a9b-0c1d2e3f4a5b',
    'project/Web',
  ])('accepts %s', (text) => {
    expect(patternCanMatch(text)).toBe(true);
  });
  it.each([
    ['a space in a key', 'project/web app'],
    ['a space in a tag', 'project/*:env/*:flag/*;be ta'],
    ['upper case in an organization key', 'organization/Acme'],
    ['upper case in an iam key', 'iam/ACME'],
    ['a character outside the key grammar', 'project/web!'],
    ['an environment without its project', 'env/prod'],
    ['a flag directly under a project', 'project/web:flag/checkout'],
    ['an unknown type', 'projects/web'],
    ['segments past the shape', 'project/web:env/prod:flag/a:flag/b'],
    ['malformed', 'project/'],
  ])('refuses %s (%s)', (_why, text) => {
    expect(patternCanMatch(text)).toBe(false);
  });
});
