import { describe, expect, it } from 'vitest';
import {
  classifyDataCollectorError,
  classifyDataCollectorResponse,
  dataCollectorRetirementDate,
} from '../../../exporters/sentinel-datacollector/classify.js';

const before = new Date('2026-05-01T00:00:00Z');
const body = (code: string, message: string): string => JSON.stringify({ Error: code, Message: message });

describe('classifyDataCollectorResponse', () => {
  it('treats 200 as accepted', () => {
    expect(classifyDataCollectorResponse({ status: 200 }, { now: before })).toEqual({ kind: 'ok' });
  });

  // Every 400 error code of sentinel.md §1.6 is permanent and keeps the server's message.
  it.each([
    ['InactiveCustomer', /workspace is closed/],
    ['InvalidApiVersion', /a bug/],
    ['MissingApiVersion', /a bug/],
    ['InvalidCustomerId', /workspace id/],
    ['InvalidDataFormat', /dead-letter/],
    ['InvalidLogType', /log_type/],
    ['MissingContentType', /a bug/],
    ['UnsupportedContentType', /exactly application\/json/],
    ['MissingLogType', /a bug/],
  ])('makes 400 %s permanent with the server message and a hint', (code, hint) => {
    const result = classifyDataCollectorResponse(
      { status: 400, body: body(code, `Server says ${code}.`) },
      { now: before },
    );
    expect(result).toMatchObject({ kind: 'permanent', status: 400 });
    expect(result.kind === 'permanent' && result.reason).toMatch(
      new RegExp(`^HTTP 400 ${code}: Server says ${code}\\.`),
    );
    expect(result.kind === 'permanent' && result.reason).toMatch(hint);
  });

  it('makes 403 InvalidAuthorization permanent and names the likely causes', () => {
    const result = classifyDataCollectorResponse(
      {
        status: 403,
        headers: { 'x-ms-request-id': 'req-1' },
        body: body('InvalidAuthorization', 'An invalid signature was specified in the Authorization header'),
      },
      { now: before },
    );
    expect(result).toEqual({
      kind: 'permanent',
      status: 403,
      reason:
        'HTTP 403 InvalidAuthorization: An invalid signature was specified in the Authorization header (check the workspace id and shared key, and the clock) [x-ms-request-id req-1]',
    });
  });

  it('reads 404 on a body near the cap as too large, and splits it', () => {
    expect(
      classifyDataCollectorResponse({ status: 404 }, { now: before, bodyBytes: 29_000_000, records: 10 }),
    ).toMatchObject({
      kind: 'split',
    });
  });

  it('makes 404 on a near-cap single record permanent, since it cannot be split', () => {
    const result = classifyDataCollectorResponse(
      { status: 404 },
      { now: before, bodyBytes: 29_000_000, records: 1 },
    );
    expect(result).toMatchObject({
      kind: 'permanent',
      status: 404,
      reason: expect.stringMatching(/single record/) as string,
    });
  });

  it('makes 404 on a small body permanent (wrong URL)', () => {
    expect(
      classifyDataCollectorResponse({ status: 404 }, { now: before, bodyBytes: 1000, records: 10 }),
    ).toMatchObject({
      kind: 'permanent',
      reason: expect.stringMatching(/check the endpoint/) as string,
    });
  });

  it('measures "near the cap" against the cap in use', () => {
    expect(
      classifyDataCollectorResponse(
        { status: 404 },
        { now: before, bodyBytes: 900, maxBodyBytes: 1000, records: 2 },
      ).kind,
    ).toBe('split');
  });

  it('splits on 413', () => {
    expect(classifyDataCollectorResponse({ status: 413 }, { now: before, records: 2 }).kind).toBe('split');
  });

  it.each([
    [429, { 'retry-after': '17' }, 17_000],
    [429, { 'Retry-After': 'Fri, 01 May 2026 00:00:30 GMT' }, 30_000],
    [503, { 'retry-after-ms': '250' }, 250],
    [500, {}, undefined],
  ])('retries %i with the server delay %j', (status, headers, retryAfterMs) => {
    const result = classifyDataCollectorResponse({ status, headers }, { now: before });
    expect(result.kind).toBe('retryable');
    expect(result.kind === 'retryable' ? result.retryAfterMs : 'wrong').toBe(retryAfterMs);
  });

  it.each([408, 502, 504])('retries %i as transient', (status) => {
    expect(classifyDataCollectorResponse({ status }, { now: before }).kind).toBe('retryable');
  });

  it.each([401, 405, 501, 505])('does not retry %i', (status) => {
    expect(classifyDataCollectorResponse({ status }, { now: before }).kind).toBe('permanent');
  });

  it('makes every failure permanent after the retirement date and says so', () => {
    expect(dataCollectorRetirementDate.toISOString()).toBe('2026-09-14T00:00:00.000Z');
    const after = new Date('2026-09-14T00:00:01Z');
    const result = classifyDataCollectorResponse({ status: 503 }, { now: after });
    expect(result).toMatchObject({ kind: 'permanent', status: 503 });
    expect(result.kind === 'permanent' && result.reason).toMatch(
      /retired on 2026-09-14; move to sentinel-logs-ingestion/,
    );
    expect(classifyDataCollectorResponse({ status: 200 }, { now: after })).toEqual({ kind: 'ok' });
  });

  it('can turn the retirement rule off or move its date', () => {
    const after = new Date('2026-10-01T00:00:00Z');
    expect(classifyDataCollectorResponse({ status: 503 }, { now: after, retiredAfter: null }).kind).toBe(
      'retryable',
    );
    expect(
      classifyDataCollectorResponse(
        { status: 503 },
        { now: after, retiredAfter: new Date('2027-01-01T00:00:00Z') },
      ).kind,
    ).toBe('retryable');
  });
});

describe('classifyDataCollectorError', () => {
  const withCode = (code: string, message = code): Error => Object.assign(new Error(message), { code });

  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'ENOTFOUND',
    'EAI_AGAIN',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_SOCKET',
  ])('retries the network error %s', (code) => {
    expect(classifyDataCollectorError(withCode(code))).toMatchObject({
      kind: 'retryable',
      reason: expect.stringContaining(`Network error ${code}`) as string,
    });
  });

  it('finds the code in a cause chain (fetch-style wrapping)', () => {
    const error = new TypeError('fetch failed', { cause: withCode('ECONNRESET', 'socket hang up') });
    expect(classifyDataCollectorError(error)).toMatchObject({
      kind: 'retryable',
      reason: expect.stringMatching(/ECONNRESET/) as string,
    });
  });

  it('finds the code inside an AggregateError from a multi-address connect', () => {
    const error = new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed');
    expect(classifyDataCollectorError(error)).toMatchObject({
      kind: 'retryable',
      reason: expect.stringMatching(/ECONNREFUSED/) as string,
    });
  });

  it('retries aborts and timeouts', () => {
    expect(
      classifyDataCollectorError(new DOMException('The operation timed out.', 'TimeoutError')).kind,
    ).toBe('retryable');
    expect(
      classifyDataCollectorError(new DOMException('This operation was aborted', 'AbortError')).kind,
    ).toBe('retryable');
  });

  it('does not retry a request that cannot even be built', () => {
    expect(classifyDataCollectorError(withCode('ERR_INVALID_URL', 'Invalid URL')).kind).toBe('permanent');
  });

  it('retries unknown errors rather than dropping data', () => {
    expect(classifyDataCollectorError(new Error('something odd'))).toEqual({
      kind: 'retryable',
      reason: 'Request failed: Error: something odd',
    });
  });
});
