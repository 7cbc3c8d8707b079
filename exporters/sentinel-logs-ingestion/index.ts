import { defineExporter } from '../../core/factory.js';
import {
  sentinelLogsIngestionConfigSchema,
  validateSentinelLogsIngestionConfig,
  type SentinelLogsIngestionConfig,
} from './config.js';
import { LazyConsumer } from '../../core/helpers/lazy.js';

// Loopback endpoint and authority: the conformance suite must never reach Azure.
const example: Pick<
  SentinelLogsIngestionConfig,
  'endpoint' | 'dcr_immutable_id' | 'streams' | 'auth' | 'legacy_columns'
> = {
  endpoint: 'https://127.0.0.1:8443',
  dcr_immutable_id: 'dcr-00000000000000000000000000000000',
  legacy_columns: false,
  streams: {
    model_breach: 'Custom-DarktraceModelAlerts',
    ai_analyst: 'Custom-DarktraceIncidents',
    system_status: 'Custom-DarktraceSystemStatusAlerts',
    email: 'Custom-DarktraceEMAIL',
  },
  auth: {
    type: 'client_secret',
    tenant_id: '00000000-0000-4000-8000-000000000000',
    client_id: '00000000-0000-4000-8000-000000000001',
    client_secret: 'example-secret',
    authority_host: 'https://127.0.0.1:8443',
    disable_instance_discovery: true,
  },
};

/** `sentinel-logs-ingestion`: record bodies to DCR streams through the Azure Monitor Logs Ingestion API. */
export const sentinelLogsIngestionExporterFactory = defineExporter<SentinelLogsIngestionConfig>({
  type: 'sentinel-logs-ingestion',
  stability: 'beta',
  description:
    'Sends Darktrace alerts to Microsoft Sentinel DCR streams (Custom-Darktrace*) through the Logs Ingestion API.',
  configSchema: sentinelLogsIngestionConfigSchema,
  exampleConfig: example as SentinelLogsIngestionConfig,
  validate: (config) => validateSentinelLogsIngestionConfig(config),
  // Loaded on start, so services that do not use this exporter never load its SDKs.
  create: (settings, config) =>
    new LazyConsumer(async () =>
      (await import('./exporter.js')).createSentinelLogsIngestionExporter(settings, config),
    ),
});
