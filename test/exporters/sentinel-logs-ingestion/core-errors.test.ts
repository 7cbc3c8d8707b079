import { describe, expect, it } from 'vitest';
import { DtcolError, PermanentError, RetryableError, SplitRequiredError } from '../../../core/errors.js';
import {
  classificationToError,
  toCoreError,
  withoutRequestId,
} from '../../../exporters/sentinel-logs-ingestion/classify.js';

describe('classificationToError', () => {
  it('gives the exporter helper a RetryableError with the server delay, without the request id', () => {
    const error = classificationToError({
      kind: 'retryable',
      retryAfterMs: 9000,
      reason: 'HTTP 429 (throttled) [x-ms-request-id 1f2e]',
    });
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ retryAfterMs: 9000, message: 'HTTP 429 (throttled)' });
  });

  it('maps split to SplitRequiredError and permanent to PermanentError with its status', () => {
    expect(classificationToError({ kind: 'split', reason: 'HTTP 413' })).toBeInstanceOf(SplitRequiredError);
    const permanent = classificationToError({
      kind: 'permanent',
      status: 403,
      reason: 'HTTP 403 [x-ms-request-id a]',
    });
    expect(permanent).toBeInstanceOf(PermanentError);
    expect(permanent).toMatchObject({ status: 403, message: 'HTTP 403', code: 'ERR_PERMANENT' });
    expect(classificationToError({ kind: 'ok' })).toBeUndefined();
  });

  it('makes equal failures read alike, so the helper logs each cause once', () => {
    expect(withoutRequestId('HTTP 400 InvalidPayload: bad [x-ms-request-id 1]')).toBe(
      withoutRequestId('HTTP 400 InvalidPayload: bad [x-ms-request-id 2]'),
    );
    expect(withoutRequestId('no id here')).toBe('no id here');
  });
});

describe('toCoreError', () => {
  it('keeps core errors, retries network errors and refuses a bad client secret for good', () => {
    const own = new PermanentError('x');
    expect(toCoreError(own)).toBe(own);
    const reset = toCoreError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(reset).toBeInstanceOf(RetryableError);
    expect(reset.message).toMatch(/ECONNRESET/);
    const auth = Object.assign(new Error('invalid_client: AADSTS7000215: Invalid client secret provided.'), {
      name: 'AuthenticationRequiredError',
    });
    expect(toCoreError(auth)).toBeInstanceOf(PermanentError);
    expect(toCoreError('weird')).toBeInstanceOf(DtcolError);
  });
});
