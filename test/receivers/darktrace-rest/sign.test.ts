import { describe, expect, it } from 'vitest';
import {
  buildQuery,
  buildTarget,
  computeSignature,
  formatDtapiDate,
  signRequest,
} from '../../../receivers/darktrace-rest/sign.js';

// Fixed vectors from reference/darktrace.md §2.1 (made-up tokens).
const publicToken = 'examplePublicToken';
const privateToken = 'examplePrivateToken';
const vectorTime = Date.UTC(2024, 4, 1, 12, 34, 56);

describe('computeSignature', () => {
  it('matches the reference vector for a query', () => {
    expect(
      computeSignature(
        '/modelbreaches?starttime=1714566000000&endtime=1714566896000&historicmodelonly=true&includeacknowledged=true',
        publicToken,
        privateToken,
        '20240501T123456',
      ),
    ).toBe('f9217bb89b4bfe025221c2d17760e6cbe1251756');
  });

  it('matches the reference vector for a bare path', () => {
    expect(computeSignature('/status', publicToken, privateToken, '20240501T123456')).toBe(
      '12395256ea170ed1808e12dd3f49c488edaa8945',
    );
  });

  it('changes when the query order changes', () => {
    const a = computeSignature('/modelbreaches?a=1&b=2', publicToken, privateToken, '20240501T123456');
    const b = computeSignature('/modelbreaches?b=2&a=1', publicToken, privateToken, '20240501T123456');
    expect(a).not.toBe(b);
  });
});

describe('signRequest', () => {
  it('signs the same target it returns, with the reference signature', () => {
    const signed = signRequest({
      path: '/modelbreaches',
      query: [
        ['starttime', 1714566000000],
        ['endtime', 1714566896000],
        ['historicmodelonly', true],
        ['includeacknowledged', 'true'],
      ],
      publicToken,
      privateToken,
      now: vectorTime + 789, // milliseconds are dropped from DTAPI-Date
    });
    expect(signed).toEqual({
      target:
        '/modelbreaches?starttime=1714566000000&endtime=1714566896000&historicmodelonly=true&includeacknowledged=true',
      headers: {
        'DTAPI-Token': publicToken,
        'DTAPI-Date': '20240501T123456',
        'DTAPI-Signature': 'f9217bb89b4bfe025221c2d17760e6cbe1251756',
      },
    });
  });

  it('signs a request without query as the bare path, without a question mark', () => {
    const signed = signRequest({ path: '/status', publicToken, privateToken, now: vectorTime });
    expect(signed.target).toBe('/status');
    expect(signed.headers['DTAPI-Signature']).toBe('12395256ea170ed1808e12dd3f49c488edaa8945');
  });

  it('uses one date for the header and the signature', () => {
    const signed = signRequest({ path: '/status', publicToken, privateToken, now: vectorTime + 999 });
    expect(computeSignature(signed.target, publicToken, privateToken, signed.headers['DTAPI-Date'])).toBe(
      signed.headers['DTAPI-Signature'],
    );
  });

  it('never puts the private token in the result', () => {
    const signed = signRequest({ path: '/status', publicToken, privateToken, now: vectorTime });
    expect(JSON.stringify(signed)).not.toContain(privateToken);
  });
});

describe('buildQuery', () => {
  it('keeps the given order', () => {
    expect(
      buildQuery([
        ['z', 1],
        ['a', 2],
      ]),
    ).toBe('z=1&a=2');
  });

  it('leaves comma lists readable and percent-encodes what needs it', () => {
    expect(
      buildQuery([
        ['uuid', 'a-1,b_2'],
        ['from', '2024-05-01 12:00:00'],
        ['q', "x&y=z'é"],
      ]),
    ).toBe('uuid=a-1,b_2&from=2024-05-01%2012:00:00&q=x%26y%3Dz%27%C3%A9');
  });
});

describe('buildTarget', () => {
  it('joins path and query with a question mark only when there is a query', () => {
    expect(buildTarget('/status', '')).toBe('/status');
    expect(buildTarget('/status', 'fast=true')).toBe('/status?fast=true');
  });
});

describe('formatDtapiDate', () => {
  it('formats UTC as YYYYMMDDTHHMMSS', () => {
    expect(formatDtapiDate(Date.UTC(2024, 0, 2, 3, 4, 5, 678))).toBe('20240102T030405');
  });
});
