// Shared resources: dtcol builds its own instead of loading @opentelemetry/resources; they must read the same.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { defaultResource, sharedResource } from '../../core/records.js';

describe('sharedResource', () => {
  const attributes = { 'service.name': 'darktrace-collector', 'darktrace.appliance': 'dt-1', port: 514 };

  it('returns one object per set of attributes, whatever their order', () => {
    const a = sharedResource(attributes);
    expect(
      sharedResource({ port: 514, 'darktrace.appliance': 'dt-1', 'service.name': 'darktrace-collector' }),
    ).toBe(a);
    expect(sharedResource({ ...attributes, port: 515 })).not.toBe(a);
  });

  it('reads like the SDK’s resourceFromAttributes (attributes, schema URL, raw attributes, no async part)', async () => {
    const ours = sharedResource(attributes);
    const sdk = resourceFromAttributes(attributes);
    expect(ours.attributes).toEqual(sdk.attributes);
    expect(ours.schemaUrl).toBe(sdk.schemaUrl);
    expect(ours.getRawAttributes()).toEqual(sdk.getRawAttributes());
    expect(ours.asyncAttributesPending).toBe(false);
    await expect(ours.waitForAsyncAttributes?.()).resolves.toBeUndefined();
  });

  it('merges like the SDK: the other resource’s attributes win, a schema URL from either side is kept', () => {
    const other = resourceFromAttributes(
      { 'darktrace.appliance': 'dt-2', extra: true },
      { schemaUrl: 'https://s/1' },
    );
    const ours = sharedResource(attributes).merge(other);
    const sdk = resourceFromAttributes(attributes).merge(other);
    expect(ours.attributes).toEqual(sdk.attributes);
    expect(ours.schemaUrl).toBe('https://s/1');
    expect(sdk.schemaUrl).toBe('https://s/1');
    expect(defaultResource.merge(null)).toBe(defaultResource);
    const conflict = resourceFromAttributes({}, { schemaUrl: 'https://s/2' });
    expect(ours.merge(conflict).schemaUrl).toBeUndefined();
  });
});
