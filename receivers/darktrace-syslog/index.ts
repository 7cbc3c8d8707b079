import type { Component } from '../../core/component.js';
import { defineReceiver } from '../../core/factory.js';
import {
  darktraceSyslogConfigSchema,
  validateDarktraceSyslogConfig,
  type DarktraceSyslogConfig,
} from './config.js';
import { createDarktraceSyslogReceiver } from './receiver.js';

/** `darktrace-syslog`: Darktrace "Syslog JSON" alerts over TCP, UDP or TLS. */
export const darktraceSyslogReceiverFactory = defineReceiver<DarktraceSyslogConfig>({
  type: 'darktrace-syslog',
  stability: 'beta',
  description:
    'Receives Darktrace Syslog JSON alerts (model breach, AI Analyst, system status) over TCP, UDP or TLS.',
  configSchema: darktraceSyslogConfigSchema,
  exampleConfig: {
    protocol: 'tcp',
    endpoint: '127.0.0.1:1514',
    max_message_size: '64KiB',
    batch_size: 100,
    flush_timeout: '100ms',
    max_pending_records: 5000,
    keep_original: false,
  },
  deliveryNote:
    'syslog cannot be acknowledged: alerts are protected only from the first exporter with a persistent queue on (sending_queue.storage).',
  validate: validateDarktraceSyslogConfig,
  create: (settings, config, next): Component => createDarktraceSyslogReceiver(settings, config, next),
});
