import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bodyByteLength,
  dataCollectorSignature,
  dataCollectorStringToSign,
  decodeSharedKey,
  signDataCollectorRequest,
  toRfc1123,
} from '../../../exporters/sentinel-datacollector/sign.js';

// The fixed vector of sentinel.md §1.2.
const vector = {
  key: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
  body: '[{"dtProduct":"Policy Breach","modelName":"Café"}]',
  date: 'Wed, 01 May 2024 12:34:56 GMT',
  stringToSign: 'POST\n51\napplication/json\nx-ms-date:Wed, 01 May 2024 12:34:56 GMT\n/api/logs',
  signature: 'OeY+fFILnBk7nJwRWFvxEkCJ+bLjtoXm258UBR7NiMM=',
};

describe('sentinel-datacollector sign', () => {
  it('builds the reference string to sign from the byte length, not the character count', () => {
    expect(vector.body.length).toBe(50);
    expect(bodyByteLength(vector.body)).toBe(51);
    expect(dataCollectorStringToSign(bodyByteLength(vector.body), vector.date)).toBe(vector.stringToSign);
  });

  it('reproduces the reference signature', () => {
    const key = decodeSharedKey(vector.key);
    expect([...key]).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(dataCollectorSignature(key, 51, vector.date)).toBe(vector.signature);
  });

  it('produces the classic 403 signature when the character count is signed instead', () => {
    expect(dataCollectorSignature(decodeSharedKey(vector.key), 50, vector.date)).not.toBe(vector.signature);
  });

  it('signs a request with one date used for both the header and the signature', () => {
    const headers = signDataCollectorRequest('ws-1', decodeSharedKey(vector.key), vector.body, vector.date);
    expect(headers).toEqual({
      authorization: `SharedKey ws-1:${vector.signature}`,
      'x-ms-date': vector.date,
      'content-type': 'application/json',
    });
  });

  it('signs the same bytes whether the body is given as text or as a Buffer', () => {
    const key = decodeSharedKey(vector.key);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const body = JSON.stringify([{ text }]);
        const fromText = signDataCollectorRequest('ws', key, body, vector.date);
        const fromBytes = signDataCollectorRequest('ws', key, Buffer.from(body, 'utf8'), vector.date);
        expect(fromText).toEqual(fromBytes);
      }),
    );
  });

  it.each([
    ['two-byte characters', 'Müller Café', 13],
    ['three-byte characters', '数据外泄', 12],
    ['four-byte emoji', '🚨🔒', 8],
  ])('counts %s in UTF-8 bytes', (_label, text, bytes) => {
    expect(bodyByteLength(text)).toBe(bytes);
    expect(dataCollectorStringToSign(bodyByteLength(text), vector.date).split('\n')[1]).toBe(String(bytes));
  });

  it('formats x-ms-date as RFC 1123', () => {
    expect(toRfc1123(new Date(Date.UTC(2024, 4, 1, 12, 34, 56)))).toBe(vector.date);
  });

  it.each([[''], ['not base64!'], ['abc'], ['QUJD\nREVG']])(
    'refuses the key %j without echoing it',
    (key) => {
      let caught: unknown;
      try {
        decodeSharedKey(key);
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'ERR_SHARED_KEY_INVALID' });
      if (key.trim() !== '') expect((caught as Error).message).not.toContain(key.trim());
    },
  );
});
