// Example plugin: tag each Darktrace alert with the team that owns the device it is about, looked up by the
// device's hostname or IP address. Put it before any processor that reshapes the alert body.
import { BlockList, isIP } from 'node:net';
import { definePlugin, defineRecordProcessor, withChanges, type LogRecord } from 'darktrace-collector';

/** Config of the `owner-tags` processor. */
export interface OwnerTagsConfig {
  /** Attribute to set. */
  attribute: string;
  /** Hostname (or `*.domain` wildcard) → team. */
  hostnames: Record<string, string>;
  /** IPv4 or IPv6 CIDR → team. */
  cidrs: Record<string, string>;
  /** Team for alerts whose devices match nothing; without it such alerts get no attribute. */
  default_owner?: string;
}

const octet = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const ipv4Cidr = `${octet}(\\.${octet}){3}/(3[0-2]|[12]?[0-9])`;
// Loose on purpose: node:net checks the address itself when the processor is set up.
const ipv6Cidr = '[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9])';

const team = { type: 'string', minLength: 1, description: 'Team name.' } as const;

export const ownerTagsConfigSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Sets an owner attribute from the hostname or IP address of the devices in an alert.',
  properties: {
    attribute: { type: 'string', minLength: 1, default: 'owner', description: 'Attribute to set.' },
    hostnames: {
      type: 'object',
      default: {},
      description: 'Hostname → team. Case-insensitive; "*.corp.example" matches any name under corp.example.',
      propertyNames: { minLength: 1 },
      additionalProperties: team,
    },
    cidrs: {
      type: 'object',
      default: {},
      description: 'CIDR → team, e.g. "10.20.0.0/16: platform". The most specific range wins.',
      propertyNames: {
        pattern: `^(${ipv4Cidr}|${ipv6Cidr})$`,
        description: 'an IPv4 or IPv6 CIDR range such as 10.20.0.0/16',
      },
      additionalProperties: team,
    },
    default_owner: { ...team, description: 'Team for alerts whose devices match nothing.' },
  },
} as const;

/** Hostnames and IP addresses of the devices an alert is about. */
export interface AlertDevices {
  hostnames: string[];
  ips: string[];
}

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * The devices named in a Darktrace alert body, in order of relevance: model breaches have `device` (current
 * `ip`, then `ip6` and the `ips` history), AI Analyst events `breachDevices[]`, system status alerts a
 * top-level `hostname` and `ip_address` (reference/darktrace.md §3).
 */
export function devicesOf(body: unknown): AlertDevices {
  const out: AlertDevices = { hostnames: [], ips: [] };
  const root = asRecord(body);
  if (root === undefined) return out;
  const addIp = (v: unknown): void => {
    if (typeof v !== 'string') return;
    // AI Analyst writes some addresses with their subnet ("175.16.199.1/24"); IPv6 may carry a zone.
    const ip = v.replace(/\/\d+$/, '').replace(/%.*$/, '');
    if (isIP(ip) !== 0) out.ips.push(ip);
  };
  const addDevice = (d: unknown, ipKey: string): void => {
    const device = asRecord(d);
    if (device === undefined) return;
    addIp(device[ipKey]);
    addIp(device['ip6']);
    if (Array.isArray(device['ips'])) for (const entry of device['ips']) addIp(asRecord(entry)?.['ip']);
    const hostname = device['hostname'];
    // Darktrace fills `hostname` with an IP address when it knows no name; use it after the real addresses.
    if (typeof hostname === 'string' && hostname !== '') {
      if (isIP(hostname) === 0) out.hostnames.push(hostname);
      else addIp(hostname);
    }
  };
  addDevice(root['device'], 'ip');
  if (Array.isArray(root['breachDevices'])) for (const d of root['breachDevices']) addDevice(d, 'ip');
  addDevice(root, 'ip_address');
  return out;
}

/** A function from an alert's devices to the owning team, built once per pipeline from the config. */
export function createOwnerLookup(config: OwnerTagsConfig): (devices: AlertDevices) => string | undefined {
  const exact = new Map<string, string>();
  const wildcards: [suffix: string, team: string][] = [];
  for (const [name, owner] of Object.entries(config.hostnames)) {
    const lower = name.toLowerCase();
    if (lower.startsWith('*.')) wildcards.push([lower.slice(1), owner]);
    else exact.set(lower, owner);
  }
  wildcards.sort((a, b) => b[0].length - a[0].length);

  const ranges = Object.entries(config.cidrs).map(([cidr, owner]) => {
    const [network = '', bits = ''] = cidr.split('/');
    const family = isIP(network) === 6 ? 'ipv6' : 'ipv4';
    const list = new BlockList();
    try {
      list.addSubnet(network, Number(bits), family);
    } catch (err) {
      throw new TypeError(`owner-tags: "${cidr}" is not a valid CIDR range.`, { cause: err });
    }
    return { list, family, prefix: Number(bits), owner } as const;
  });
  ranges.sort((a, b) => b.prefix - a.prefix);

  const byHostname = (hostname: string): string | undefined => {
    const lower = hostname.toLowerCase();
    return exact.get(lower) ?? wildcards.find(([suffix]) => lower.endsWith(suffix))?.[1];
  };
  const byIp = (ip: string): string | undefined => {
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    return ranges.find((r) => r.family === family && r.list.check(ip, family))?.owner;
  };
  // A name is more deliberate than an address range, so hostnames win; then the first address that matches.
  return (devices) => {
    for (const h of devices.hostnames) {
      const owner = byHostname(h);
      if (owner !== undefined) return owner;
    }
    for (const ip of devices.ips) {
      const owner = byIp(ip);
      if (owner !== undefined) return owner;
    }
    return config.default_owner;
  };
}

/** `owner-tags`: sets `attribute` (default `owner`) to the team owning the alert's device. */
export const ownerTagsProcessorFactory = defineRecordProcessor<OwnerTagsConfig>({
  type: 'owner-tags',
  description: 'Adds an owner attribute from the hostname or IP address of the device in a Darktrace alert.',
  stability: 'alpha',
  configSchema: ownerTagsConfigSchema,
  exampleConfig: { attribute: 'owner', hostnames: {}, cidrs: { '10.0.0.0/8': 'platform' } },
  setup(config) {
    const ownerOf = createOwnerLookup(config);
    return {
      map: (record: LogRecord) => {
        const owner = ownerOf(devicesOf(record.body));
        if (owner === undefined) return record;
        return withChanges(record, { attributes: { ...record.attributes, [config.attribute]: owner } });
      },
    };
  },
});

export default definePlugin({
  name: 'owner-tags',
  apiVersion: '^1.0.0',
  factories: [ownerTagsProcessorFactory],
});
