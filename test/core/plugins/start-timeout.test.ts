// A plugin component that never finishes starting must not hang the service: start gives up and names it.
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { builtinRegistry } from '../../../core/builtins.js';
import { validateConfigFile } from '../../../core/config/validate.js';
import { Service } from '../../../core/graph/service.js';
import { pluginFixtures } from '../config/support.js';

describe('Service with a plugin that hangs in start', () => {
  it('rejects start after the start timeout, naming the component', async () => {
    const result = await validateConfigFile(path.join(pluginFixtures, 'hangs-in-start.yaml'), {
      registry: builtinRegistry(),
    });
    expect(result.issues).toEqual([]);
    if (result.config === undefined) throw new Error('fixture must be valid');
    const service = new Service(result.config, { logger: pino({ level: 'silent' }), startTimeoutMs: 200 });
    onTestFinished(() => service.shutdown());
    await expect(service.start()).rejects.toThrow(
      'receiver "hang-on-start" failed to start: did not start within 200 ms',
    );
  });
});
