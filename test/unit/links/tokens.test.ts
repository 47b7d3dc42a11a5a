import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINK_PURPOSES, newLinkId, parseToken, signLink, verifyLinkMac } from '../../../functions/links/tokens.ts';

const SECRET = 'a-test-secret-of-sufficient-length';

describe('link tokens (SPEC «Links in e-mails»)', () => {
  it('a signed token verifies for its purpose only', () => {
    const id = newLinkId();
    const token = signLink(SECRET, id, 'ballot');
    expect(verifyLinkMac(SECRET, token, 'ballot')).toEqual({ ok: true, linkId: id, scope: null });
    for (const other of LINK_PURPOSES.filter((p) => p !== 'ballot')) expect(verifyLinkMac(SECRET, token, other)).toEqual({ ok: false, reason: 'forged' });
  });

  it('another secret, an altered id or an altered MAC is forged; garbage is malformed', () => {
    const id = newLinkId();
    const token = signLink(SECRET, id, 'sign');
    expect(verifyLinkMac('another-secret-of-sufficient-length', token, 'sign').ok).toBe(false);
    const [linkId, mac] = token.split('.') as [string, string];
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    expect(verifyLinkMac(SECRET, `${flip(linkId)}.${mac}`, 'sign')).toEqual({ ok: false, reason: 'forged' });
    expect(verifyLinkMac(SECRET, `${linkId}.${flip(mac)}`, 'sign')).toEqual({ ok: false, reason: 'forged' });
    for (const bad of ['', 'abc', `${linkId}`, `${linkId}.${mac}.x`, `${linkId}.${mac}=`, '<script>.x']) {
      expect(verifyLinkMac(SECRET, bad, 'sign')).toEqual({ ok: false, reason: 'malformed' });
      expect(parseToken(bad)).toBeUndefined();
    }
  });

  it('a token may carry its scope (meeting, group, member) under the MAC: read back as signed, and no part can be changed', () => {
    const id = newLinkId();
    const scope = { meetingId: '6f1c0a4e-8d4b-4c55-9a55-2b2f5f0d9e11', groupId: 'a7d2c6b0-1e7b-4d1e-8f2a-3c9c1f6b7d20', memberId: 'm-17' };
    const token = signLink(SECRET, id, 'sign', scope);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(verifyLinkMac(SECRET, token, 'sign')).toEqual({ ok: true, linkId: id, scope });
    expect(parseToken(token)?.scope).toEqual(scope);
    // Another member's scope with the same MAC is forged; a scope with a line break is never signed.
    const other = signLink(SECRET, id, 'sign', { ...scope, memberId: 'm-18' });
    expect(verifyLinkMac(SECRET, `${other.split('.')[0]}.${token.split('.')[1]}`, 'sign')).toEqual({ ok: false, reason: 'forged' });
    expect(() => signLink(SECRET, id, 'sign', { ...scope, memberId: 'a\nb' })).toThrow(/line break/);
    // A scope that does not decode to three parts is malformed.
    expect(parseToken(`${id}${Buffer.from('only-one').toString('base64url')}.${token.split('.')[1]}`)).toBeUndefined();
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), (pos, ch) => {
        fc.pre(token[pos] !== ch && token[pos] !== '.');
        expect(verifyLinkMac(SECRET, token.slice(0, pos) + ch + token.slice(pos + 1), 'sign').ok).toBe(false);
      }),
    );
  });

  it('ids are 128-bit and unique; a short secret is refused', () => {
    const ids = new Set(Array.from({ length: 1000 }, newLinkId));
    expect(ids.size).toBe(1000);
    expect([...ids].every((i) => Buffer.from(i, 'base64url').length === 16)).toBe(true);
    expect(() => signLink('short', newLinkId(), 'propose')).toThrow(/too short/);
  });

  it('property: no single-character change of a token verifies', () => {
    const token = signLink(SECRET, newLinkId(), 'attendance');
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), (pos, ch) => {
        fc.pre(token[pos] !== ch && token[pos] !== '.');
        const altered = token.slice(0, pos) + ch + token.slice(pos + 1);
        expect(verifyLinkMac(SECRET, altered, 'attendance').ok).toBe(false);
      }),
    );
  });
});
