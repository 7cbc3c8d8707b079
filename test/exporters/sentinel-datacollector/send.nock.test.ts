import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  sendDataCollector,
  type DataCollectorSendOptions,
} from '../../../exporters/sentinel-datacollector/classify.js';

// The sentinel.md §1.2 vector, sent for real: the exact Authorization header is known in advance.
const workspaceId = '00000000-1111-2222-3333-444444444444';
const key = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const body = '[{"dtProduct":"Policy Breach","modelName":"Café"}]';
const date = 'Wed, 01 May 2024 12:34:56 GMT';
const signature = 'OeY+fFILnBk7nJwRWFvxEkCJ+bLjtoXm258UBR7NiMM=';
const host = `https://${workspaceId}.ods.opinsights.azure.com`;

const options: DataCollectorSendOptions = {
  workspaceId,
  sharedKey: key,
  logType: 'darktrace_model_alerts',
  clock: () => new Date(date),
};

const expectSigned = (scope: nock.Interceptor): nock.Interceptor =>
  scope
    .matchHeader('authorization', `SharedKey ${workspaceId}:${signature}`)
    .matchHeader('x-ms-date', date)
    .matchHeader('content-type', 'application/json')
    .matchHeader('content-length', '51')
    .matchHeader('log-type', 'darktrace_model_alerts');

const post = (): nock.Interceptor =>
  expectSigned(nock(host).post('/api/logs', body).query({ 'api-version': '2016-04-01' }));

describe('sendDataCollector (nock)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());

  it('sends the exact signed headers to the default endpoint and reports success', async () => {
    post().reply(200);
    await expect(sendDataCollector(options, body)).resolves.toEqual({
      kind: 'ok',
      httpStatus: 200,
      attempts: 1,
    });
  });

  it('signs a Buffer body the same as its text', async () => {
    post().reply(200);
    await expect(sendDataCollector(options, Buffer.from(body, 'utf8'))).resolves.toMatchObject({
      kind: 'ok',
    });
  });

  it('sends time-generated-field and x-ms-AzureResourceId when configured, to a custom endpoint', async () => {
    const resourceId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1';
    expectSigned(
      nock('https://ws.ods.opinsights.azure.us')
        .post('/api/logs', body)
        .query({ 'api-version': '2016-04-01' }),
    )
      .matchHeader('time-generated-field', 'timestamp')
      .matchHeader('x-ms-azureresourceid', resourceId)
      .reply(200);
    const result = await sendDataCollector(
      {
        ...options,
        endpoint: 'https://ws.ods.opinsights.azure.us/',
        timeGeneratedField: 'timestamp',
        azureResourceId: resourceId,
      },
      body,
    );
    expect(result.kind).toBe('ok');
  });

  // Every row of sentinel.md §1.6, answered by the "service".
  it.each([
    [400, 'InactiveCustomer', 'permanent'],
    [400, 'InvalidApiVersion', 'permanent'],
    [400, 'MissingApiVersion', 'permanent'],
    [400, 'InvalidCustomerId', 'permanent'],
    [400, 'InvalidDataFormat', 'permanent'],
    [400, 'InvalidLogType', 'permanent'],
    [400, 'MissingContentType', 'permanent'],
    [400, 'UnsupportedContentType', 'permanent'],
    [400, 'MissingLogType', 'permanent'],
    [403, 'InvalidAuthorization', 'permanent'],
    [404, undefined, 'permanent'],
    [429, undefined, 'retryable'],
    [500, 'UnspecifiedError', 'retryable'],
    [503, 'ServiceUnavailable', 'retryable'],
  ] as const)('classifies %i %s as %s', async (status, code, kind) => {
    const reply = code === undefined ? '' : JSON.stringify({ Error: code, Message: `Detail for ${code}` });
    post().reply(status, reply, { 'x-ms-request-id': 'rid-7' });
    const result = await sendDataCollector(options, body);
    expect(result).toMatchObject({ kind, httpStatus: status, requestId: 'rid-7', attempts: 1 });
    if (code !== undefined && result.kind !== 'ok')
      expect(result.reason).toContain(`HTTP ${status} ${code}: Detail for ${code}`);
  });

  it('passes the Retry-After of a 429 on as milliseconds', async () => {
    post().reply(429, '', { 'Retry-After': '30' });
    await expect(sendDataCollector(options, body)).resolves.toMatchObject({
      kind: 'retryable',
      retryAfterMs: 30_000,
    });
  });

  it('splits on a 404 for a body near the cap', async () => {
    post().reply(404);
    await expect(
      sendDataCollector({ ...options, maxBodyBytes: 60, records: 3 }, body),
    ).resolves.toMatchObject({ kind: 'split' });
  });

  it('re-signs once with the server clock when a 403 comes back with a distant Date', async () => {
    const serverDate = 'Wed, 01 May 2024 13:04:56 GMT'; // 30 minutes ahead of our clock
    post().reply(403, JSON.stringify({ Error: 'InvalidAuthorization', Message: 'bad signature' }), {
      Date: serverDate,
    });
    nock(host).post('/api/logs', body).query(true).matchHeader('x-ms-date', serverDate).reply(200);
    await expect(sendDataCollector(options, body)).resolves.toEqual({
      kind: 'ok',
      httpStatus: 200,
      attempts: 2,
    });
  });

  it('re-signs at most once', async () => {
    const reply = JSON.stringify({ Error: 'InvalidAuthorization', Message: 'bad signature' });
    post().reply(403, reply, { Date: 'Wed, 01 May 2024 13:04:56 GMT' });
    nock(host).post('/api/logs').query(true).reply(403, reply, { Date: 'Wed, 01 May 2024 13:34:56 GMT' });
    await expect(sendDataCollector(options, body)).resolves.toMatchObject({
      kind: 'permanent',
      httpStatus: 403,
      attempts: 2,
    });
  });

  it('does not re-sign a 403 when the clocks agree', async () => {
    post().reply(403, JSON.stringify({ Error: 'InvalidAuthorization', Message: 'bad signature' }), {
      Date: date,
    });
    await expect(sendDataCollector(options, body)).resolves.toMatchObject({ kind: 'permanent', attempts: 1 });
  });

  it('never puts the key or the signature into a reason, even when the server echoes them', async () => {
    post().reply(
      400,
      JSON.stringify({ Error: 'InvalidDataFormat', Message: `echo ${key} and ${signature}` }),
    );
    const result = await sendDataCollector(options, body);
    expect(result.kind).toBe('permanent');
    const reason = result.kind === 'permanent' ? result.reason : '';
    expect(reason).not.toContain(key);
    expect(reason).not.toContain(signature);
    expect(reason).toContain('[redacted]');
  });

  it('retries a refused connection', async () => {
    nock(host)
      .post('/api/logs')
      .query(true)
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    await expect(sendDataCollector(options, body)).resolves.toMatchObject({ kind: 'retryable', attempts: 1 });
  });

  it.each([
    [{ logType: 'bad-name' }, /only letters, digits/],
    [{ logType: 'darktrace_model_alerts_CL' }, /appends it/],
    [{ timeGeneratedField: 'TimeGenerated' }, /ignores it/],
    [{ workspaceId: 'not-a-guid' }, /workspace GUID/],
    [{ sharedKey: 'not base64!' }, /not valid Base64/],
    [{ endpoint: 'not a url' }, /not a valid URL/],
  ])('refuses bad settings %j without sending anything', async (change, message) => {
    const result = await sendDataCollector({ ...options, ...change }, body);
    expect(result).toMatchObject({
      kind: 'permanent',
      attempts: 0,
      reason: expect.stringMatching(message) as string,
    });
  });
});
