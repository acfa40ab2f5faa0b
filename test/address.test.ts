import { describe, expect, it } from 'vitest';
import { formatAddress, normalizeIp, parseAddress } from '../src/contract/address.js';
import { AddressError } from '../src/contract/errors.js';

describe('parseAddress', () => {
  it.each([
    ['127.0.10.1:8333', { host: '127.0.10.1', port: 8333 }],
    ['node-1.example.org:1', { host: 'node-1.example.org', port: 1 }],
    ['localhost:65535', { host: 'localhost', port: 65535 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    ['[2001:db8::ff00:42:8329]:443', { host: '2001:db8::ff00:42:8329', port: 443 }],
  ])('parses %s', (input, expected) => {
    expect(parseAddress(input)).toEqual(expected);
  });

  it.each([
    ['127.0.10.1', /no port/],
    ['127.0.10.1:', /no port/],
    ['[::1]', /no port/],
    ['[::1]9000', /no port/],
    [':8333', /empty host/],
    ['127.0.10.1:0', /out of range/],
    ['127.0.10.1:65536', /out of range/],
    ['127.0.10.1:99999', /out of range/],
    ['127.0.10.1:-1', /not an integer/],
    ['127.0.10.1:1.5', /not an integer/],
    ['127.0.10.1:80a', /not an integer/],
    ['127.0.10.1: 80', /not an integer/],
    ['127.0.10.1:123456', /not an integer/],
    ['::1:9000', /\[addr\]:port/],
    ['[nope]:9000', /IPv6/],
    ['[::1:9000', /unclosed/],
    ['bad host:80', /bad host/],
    ['ho$t:80', /bad host/],
    // Digits and dots are an IPv4 literal or nothing: getaddrinfo would fail on them later.
    ['300.1.1.1:7700', /not an IPv4 address/],
    ['127.0.0.256:80', /not an IPv4 address/],
    ['1.2.3:80', /not an IPv4 address/],
    ['1.2.3.4.5:80', /not an IPv4 address/],
    ['', /no port/],
  ])('refuses %j', (input, why) => {
    let caught: unknown;
    try {
      parseAddress(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AddressError);
    expect((caught as AddressError).code).toBe('POOLSHIFT_ERR_BAD_ADDRESS');
    expect((caught as AddressError).input).toBe(input);
    expect((caught as Error).message).toMatch(why);
  });

  it('checks a PeerAddress object too', () => {
    expect(parseAddress({ host: '127.0.10.2', port: 80 })).toEqual({ host: '127.0.10.2', port: 80 });
    expect(() => parseAddress({ host: '127.0.10.2', port: 0 })).toThrow(AddressError);
    expect(() => parseAddress({ host: '127.0.10.2', port: 8.5 })).toThrow(AddressError);
    expect(() => parseAddress({ host: '', port: 80 })).toThrow(/empty host/);
  });
});

describe('formatAddress', () => {
  it('round-trips through parseAddress', () => {
    for (const text of ['127.0.10.1:8333', '[::1]:9000', 'example.org:80']) {
      expect(formatAddress(parseAddress(text))).toBe(text);
    }
  });
});

describe('normalizeIp', () => {
  it('strips the IPv4-mapped prefix and nothing else', () => {
    expect(normalizeIp('::ffff:127.0.10.3')).toBe('127.0.10.3');
    expect(normalizeIp('::FFFF:127.0.10.3')).toBe('127.0.10.3');
    expect(normalizeIp('127.0.10.3')).toBe('127.0.10.3');
    expect(normalizeIp('::1')).toBe('::1');
    expect(normalizeIp('::ffff:abcd')).toBe('::ffff:abcd');
    expect(normalizeIp(undefined)).toBe('');
  });
});
