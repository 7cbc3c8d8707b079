// The service log: JSON lines (pino) on stderr, with every known secret value scrubbed from every line.
import { pino, type Logger } from 'pino';

/** A logger writing to stderr (fd 2) at `level`; occurrences of `secrets` become `***`. */
export function createLogger(level: string, secrets: readonly string[] = [], destination = 2): Logger {
  // pino escapes strings into JSON before the line reaches the hook, so look for the escaped form too.
  const list = [
    ...new Set(secrets.filter((s) => s.length >= 4).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])),
  ];
  const scrub = (text: string): string => {
    let out = text;
    for (const s of list) if (out.includes(s)) out = out.split(s).join('***');
    return out;
  };
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks:
        list.length === 0
          ? {}
          : {
              // Secrets can reach a message through an error text (a URL with a key, a server echo); scrub
              // the formatted line rather than trusting every call site.
              streamWrite: scrub,
            },
    },
    pino.destination({ dest: destination, sync: true }),
  );
}
