/**
 * Our own small fixtures, written for these tests and modelled on the flat payload shapes of
 * sentinel.md §3.2 (field names and JSON types), plus helpers to read the shared corpus.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A model breach as Darktrace pushes it to the legacy table; non-ASCII on purpose. */
export const policyBreach = {
  dtProduct: 'Policy Breach',
  threatID: 4711,
  breachTime: '2024-05-01 12:34:56',
  breachUrl: 'https://dt.example.net/#modelbreach/4711',
  details: 'https://dt.example.net/#modelbreach/4711',
  modelName: 'Anomalous Connection::Café Wi‑Fi Beacon',
  pid: 318,
  uuid: '3f2b8c1e-7a4d-4e21-9b0c-5d6e7f8a9b0c',
  description: 'Gerät sendet ungewöhnlich viele Daten — 数据外泄 🚨',
  score: 81,
  category: 'Critical',
  compliance: false,
  tags: ['Ünïcode', 'test'],
  mitreTechniques: [],
  message: 'Breach on müller-laptop',
  hostname: 'müller-laptop',
  typeLabel: 'Laptop',
  deviceId: 52,
  sid: -7,
  sourceIP: '192.0.2.10',
  sourcePort: '51515',
  destIP: '198.51.100.7',
  destPort: '443',
  destMac: '',
  triggeredComponents: 'Connection to 198.51.100.7:443 (1.2 GB)',
  longitude: 13.4,
  latitude: 52.5,
  antigena: true,
  blocked: false,
  cSensor: false,
} as const;

/** An AI Analyst event, with a null subnet (must disappear in legacy mode). */
export const aiAnalyst = {
  dtProduct: 'AI Analyst',
  startTime: 'Mar 3rd 2021 07:05:09 UTC',
  endTime: 'Mar 3rd 2021 07:35:09 UTC',
  time: 'Mar 3rd 2021 07:40:00 UTC',
  title: 'Ungewöhnliche SSH-Verbindungen',
  summary: 'Line one.\\nLine two.',
  externalId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
  groupByActivity: true,
  currentGroup: 'g0123abcd',
  groupPreviousGroups: null,
  groupScore: 72.9,
  score: 73,
  severity: 7,
  subnet: null,
  bestDeviceName: 'SaaS::Office365: zoë@example.org',
  newEvent: true,
} as const;

/** A system alert. */
export const systemAlert = {
  dtProduct: 'System Alert',
  time: 'Apr 18th 2021 15:44:11 UTC',
  name: 'saas_error-Box',
  friendlyName: 'SaaS Module Error',
  message: 'Connection failed\\nRetrying',
  priority_code: 71,
  priority: 'high',
  severity: 8,
  status: 'Resolved',
  uuid: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
} as const;

/** An email alert; `uuid` is not a GUID and `timestamp` is ISO without a zone. */
export const emailAlert = {
  dtProduct: 'Antigena Email',
  actions: ['Hold', 'Double Lock All Links'],
  anomaly_score: 100,
  direction: 'inbound',
  from: 'rené@example.com',
  recipients: ['ana@example.org'],
  subject: 'Rechnung №42 – bitte prüfen',
  tags: ['Spam'],
  timestamp: '2024-05-01T12:00:00.123',
  uuid: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0.1',
} as const;

/** All four kinds. */
export const flatAlerts: readonly Readonly<Record<string, unknown>>[] = [
  policyBreach,
  aiAnalyst,
  systemAlert,
  emailAlert,
];

/** `<repo>/../shared/corpus`, as the house rules want it resolved. */
export const corpusDir = path.resolve(
  fileURLToPath(new URL('../../..', import.meta.url)),
  '../shared/corpus',
);

/** Whether the shared corpus is present on this machine. */
export const corpusPresent = existsSync(path.join(corpusDir, 'elastic'));

/** Every Darktrace JSON payload in the corpus `.log` files (syslog header or `darktrace ` tag stripped). */
export function corpusPayloads(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.log')) {
        for (const line of readFileSync(full, 'utf8').split('\n')) {
          const start = line.indexOf('{');
          if (start >= 0) out.push(JSON.parse(line.slice(start)) as Record<string, unknown>);
        }
      }
    }
  };
  walk(path.join(corpusDir, 'elastic'));
  return out;
}
