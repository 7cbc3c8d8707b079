import {
  AuthenticationError,
  AuthenticationRequiredError,
  CredentialUnavailableError,
} from '@azure/identity';
import { describe, expect, it } from 'vitest';
import {
  classifyLogsIngestionError,
  classifyLogsIngestionResponse,
  headerValue,
  parseAzureErrorBody,
  parseRetryAfter,
} from '../../../exporters/sentinel-logs-ingestion/classify.js';

const azureBody = (code: string, message: string): string => JSON.stringify({ error: { code, message } });

// A RestError as @azure/core-rest-pipeline builds it: status, parsed code/message, response headers.
const restError = (
  statusCode: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Error =>
  Object.assign(new Error(message), {
    name: 'RestError',
    statusCode,
    code,
    response: { status: statusCode, headers: new Headers(headers) },
  });

describe('classifyLogsIngestionResponse', () => {
  it('treats 204 as success', () => {
    expect(classifyLogsIngestionResponse({ status: 204 })).toEqual({ kind: 'ok' });
  });

  it('does not count a 200 as ingested, since the service only answers 204', () => {
    expect(classifyLogsIngestionResponse({ status: 200 })).toMatchObject({ kind: 'permanent', status: 200 });
  });

  // Every row of sentinel.md §2.3.
  it.each([
    [400, 'InvalidPayload', 'permanent', /dead-letter/],
    [401, 'InvalidToken', 'permanent', /audience/],
    [403, 'OperationFailed', 'permanent', /Monitoring Metrics Publisher/],
    [404, 'NotFound', 'permanent', /DCR immutable id and stream/],
    [408, 'RequestTimeout', 'retryable', /HTTP 408/],
    [429, 'TooManyRequests', 'retryable', /throttled/],
    [500, 'InternalServerError', 'retryable', /HTTP 500/],
    [502, 'BadGateway', 'retryable', /HTTP 502/],
    [503, 'ServiceUnavailable', 'retryable', /HTTP 503/],
    [504, 'GatewayTimeout', 'retryable', /HTTP 504/],
    [501, 'NotImplemented', 'permanent', /HTTP 501/],
    [415, 'UnsupportedMediaType', 'permanent', /HTTP 415/],
  ])('classifies %i %s as %s', (status, code, kind, hint) => {
    const result = classifyLogsIngestionResponse({
      status,
      headers: { 'x-ms-request-id': 'rid-1' },
      body: azureBody(code, `Message for ${code}`),
    });
    expect(result.kind).toBe(kind);
    const reason = result.kind === 'ok' ? '' : result.reason;
    expect(reason).toContain(`HTTP ${status} ${code}: Message for ${code}`);
    expect(reason).toContain('[x-ms-request-id rid-1]');
    expect(reason).toMatch(hint);
  });

  it('splits a 413 with several records and makes it permanent for a single record', () => {
    const outcome = {
      status: 413,
      body: azureBody('ContentLengthLimitExceeded', 'Maximum allowed content length: 1048576 bytes (1 MB)'),
    };
    expect(classifyLogsIngestionResponse(outcome, { records: 2 }).kind).toBe('split');
    expect(classifyLogsIngestionResponse(outcome, { records: 1 })).toMatchObject({
      kind: 'permanent',
      status: 413,
      reason: expect.stringMatching(/single record cannot be split/) as string,
    });
  });

  it('waits as long as a 429 asks', () => {
    expect(classifyLogsIngestionResponse({ status: 429, headers: { 'Retry-After': '5' } })).toMatchObject({
      kind: 'retryable',
      retryAfterMs: 5000,
    });
  });

  it('uses x-ms-error-code when the body has no code', () => {
    const result = classifyLogsIngestionResponse({
      status: 400,
      headers: { 'x-ms-error-code': 'InvalidStream' },
      body: '',
    });
    expect(result.kind === 'permanent' && result.reason).toMatch(/^HTTP 400 InvalidStream/);
  });
});

describe('classifyLogsIngestionError', () => {
  it('classifies an SDK RestError by its status, keeping code, message and Retry-After', () => {
    const result = classifyLogsIngestionError(
      restError(429, 'TooManyRequests', 'Slow down', { 'retry-after': '3' }),
    );
    expect(result).toEqual({
      kind: 'retryable',
      retryAfterMs: 3000,
      reason: 'HTTP 429 TooManyRequests: Slow down (throttled)',
    });
  });

  it('splits a RestError 413 unless it carried one record', () => {
    const error = restError(
      413,
      'ContentLengthLimitExceeded',
      'Maximum allowed content length: 1048576 bytes (1 MB)',
    );
    expect(classifyLogsIngestionError(error, { records: 10 }).kind).toBe('split');
    expect(classifyLogsIngestionError(error, { records: 1 }).kind).toBe('permanent');
  });

  it('makes a refused client secret permanent (identity raises AuthenticationRequiredError without a status)', () => {
    const error = new AuthenticationRequiredError({
      scopes: ['https://monitor.azure.com/.default'],
      message:
        'invalid_client: Error(s): 7000215 - Description: AADSTS7000215: Invalid client secret provided.',
    });
    expect(classifyLogsIngestionError(error)).toMatchObject({
      kind: 'permanent',
      reason: expect.stringMatching(/AADSTS7000215/) as string,
    });
  });

  it('makes an AuthenticationError with a 4xx permanent and one with a 5xx retryable', () => {
    const refused = new AuthenticationError(400, {
      error: 'unauthorized_client',
      error_description: 'AADSTS700016: app not found',
    });
    expect(classifyLogsIngestionError(refused)).toMatchObject({ kind: 'permanent', status: 400 });
    const down = new AuthenticationError(503, {
      error: 'temporarily_unavailable',
      error_description: 'try later',
    });
    expect(classifyLogsIngestionError(down).kind).toBe('retryable');
  });

  it('retries an unavailable credential (managed identity endpoint not answering yet)', () => {
    expect(
      classifyLogsIngestionError(new CredentialUnavailableError('endpoints_resolution_error')).kind,
    ).toBe('retryable');
  });

  it('retries a RestError without a status, as the SDK wraps connection failures', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      name: 'RestError',
      code: 'ECONNREFUSED',
    });
    expect(classifyLogsIngestionError(error)).toMatchObject({
      kind: 'retryable',
      reason: expect.stringMatching(/ECONNREFUSED/) as string,
    });
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it.each([
    [{ 'retry-after': '7' }, 7000],
    [{ 'retry-after': '1.5' }, 1500],
    [{ 'retry-after': 'Thu, 01 Jan 2026 00:00:09 GMT' }, 9000],
    [{ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, 0],
    [{ 'retry-after-ms': '120' }, 120],
    [{ 'x-ms-retry-after-ms': '80', 'retry-after': '9' }, 80],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('reads %j as %s ms', (headers, expected) => {
    expect(parseRetryAfter(headers, now)).toBe(expected);
  });
});

describe('headerValue', () => {
  it('reads Headers objects, plain records case-insensitively, and the first of repeated values', () => {
    expect(headerValue(new Headers({ 'Retry-After': '1' }), 'retry-after')).toBe('1');
    expect(headerValue({ 'X-Ms-Request-Id': 'abc' }, 'x-ms-request-id')).toBe('abc');
    expect(headerValue({ 'set-cookie': ['a', 'b'] }, 'set-cookie')).toBe('a');
    expect(headerValue(undefined, 'x')).toBeUndefined();
  });
});

describe('parseAzureErrorBody', () => {
  it.each([
    [
      '{"error":{"code":"OperationFailed","message":"no access"}}',
      { code: 'OperationFailed', message: 'no access' },
    ],
    ['{"Error":"InvalidLogType","Message":"bad"}', { code: 'InvalidLogType', message: 'bad' }],
    ['<html>Bad gateway</html>', { message: '<html>Bad gateway</html>' }],
    ['', {}],
  ])('reads %j', (body, expected) => {
    expect(parseAzureErrorBody(body)).toEqual(expected);
  });
});
