// The command-line options of `dtcol backfill`, apart from backfill.ts so the CLI can parse its arguments
// without loading the REST receiver (undici, signing, cursor store) for the other commands.

/** The command-line options `dtcol backfill` adds to the CLI's parser. */
export const backfillOptions = {
  receiver: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const;
