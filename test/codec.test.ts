import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MAX_FRAME_BYTES } from '../src/contract/codec.js';
import { ProtocolError, type ProtocolFault } from '../src/contract/errors.js';
import type { NetworkMessage } from '../src/contract/messages.js';

function faultOf(data: Buffer | ArrayBuffer | Buffer[] | string, isBinary = false): { fault: ProtocolFault; message: string } {
  try {
    decodeMessage(data, isBinary);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return { fault: (err as ProtocolError).fault, message: (err as Error).message };
  }
  throw new Error('decoded');
}

const samples: NetworkMessage[] = [
  { type: 'BlockProposal', height: 7, hash: 'ab', proposer: 'n1', payload: 'AAAA' },
  { type: 'BlockVote', height: 0, hash: 'ab', voter: 'n2', approve: false },
  { type: 'PeerList', peers: [{ ip: '127.0.10.1', port: 1, nodeId: 'x' }] },
  { type: 'GetPeerList' },
  { type: 'Custom', kind: 'k', data: { nested: [1, null, 'x'] } },
];

describe('codec', () => {
  it.each(samples)('round-trips %o', (msg) => {
    const text = encodeMessage(msg);
    expect(decodeMessage(text, false)).toEqual(msg);
    expect(decodeMessage(Buffer.from(text), false)).toEqual(msg);
    expect(decodeMessage([Buffer.from(text.slice(0, 3)), Buffer.from(text.slice(3))], false)).toEqual(msg);
    const ab = new TextEncoder().encode(text).buffer as ArrayBuffer;
    expect(decodeMessage(ab, false)).toEqual(msg);
  });

  it('keeps unknown extra fields out of the way (forward compatibility)', () => {
    expect(decodeMessage('{"type":"GetPeerList","future":1}', false)).toEqual({ type: 'GetPeerList' });
  });

  it.each<[string, ProtocolFault, RegExp?]>([
    ['not json', 'malformed-json'],
    ['{"type":"GetPeerList"', 'malformed-json'],
    ['', 'malformed-json'],
    ['[]', 'unknown-type'],
    ['42', 'unknown-type'],
    ['null', 'unknown-type'],
    ['{}', 'unknown-type', /no type/],
    ['{"type":5}', 'unknown-type'],
    ['{"type":"Ping"}', 'unknown-type', /Ping/],
    ['{"type":"toString"}', 'unknown-type'],
    ['{"type":"BlockVote","height":1,"hash":"h","voter":"v"}', 'missing-field', /BlockVote\.approve/],
    ['{"type":"BlockProposal","height":1,"proposer":"p"}', 'missing-field', /BlockProposal\.hash/],
    ['{"type":"BlockVote","height":-1,"hash":"h","voter":"v","approve":true}', 'invalid-field', /BlockVote\.height/],
    ['{"type":"BlockVote","height":1,"hash":"h","voter":"v","approve":null}', 'invalid-field', /approve/],
    ['{"type":"PeerList","peers":[{"ip":"1.2.3.4","port":0}]}', 'invalid-field', /PeerList\.peers\.0\.port/],
    ['{"type":"PeerList","peers":[{"port":1}]}', 'missing-field', /peers\.0\.ip/],
    ['{"type":"Custom","kind":""}', 'invalid-field', /Custom\.kind/],
  ])('refuses %j as %s', (text, fault, detail) => {
    const got = faultOf(text);
    expect(got.fault).toBe(fault);
    if (detail) expect(got.message).toMatch(detail);
  });

  it('refuses binary frames whatever they hold', () => {
    expect(faultOf(Buffer.from(encodeMessage({ type: 'GetPeerList' })), true).fault).toBe('binary-frame');
  });

  it('refuses a frame over the limit before parsing it', () => {
    const big = Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20);
    expect(faultOf(big).fault).toBe('oversized');
    expect(faultOf([big.subarray(0, 10), big.subarray(10)]).fault).toBe('oversized');
  });

  it('throws nothing but ProtocolError for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.boolean(), (text, isBinary) => {
        try {
          decodeMessage(text, isBinary);
        } catch (err) {
          return err instanceof ProtocolError;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but ProtocolError for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (bytes, isBinary) => {
        try {
          decodeMessage(Buffer.from(bytes), isBinary);
        } catch (err) {
          return err instanceof ProtocolError;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but ProtocolError for arbitrary JSON objects with a known type', () => {
    const type = fc.constantFrom('BlockProposal', 'BlockVote', 'PeerList', 'GetPeerList', 'Custom');
    fc.assert(
      fc.property(type, fc.dictionary(fc.string(), fc.jsonValue()), (t, rest) => {
        try {
          const msg = decodeMessage(JSON.stringify({ ...rest, type: t }), false);
          return msg.type === t;
        } catch (err) {
          return err instanceof ProtocolError;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
