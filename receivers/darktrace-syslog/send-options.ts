// The command-line options of `dtcol send`, apart from send.ts so the CLI can parse its arguments without
// loading the sender (sockets, TLS, sample alerts) for the other commands.

/** `parseArgs` option definitions for `dtcol send` (merged into the CLI's own). */
export const sendOptions = {
  endpoint: { type: 'string' },
  protocol: { type: 'string' },
  format: { type: 'string' },
  count: { type: 'string' },
  rate: { type: 'string' },
  file: { type: 'string' },
  hostname: { type: 'string' },
  insecure: { type: 'boolean' },
} as const;
