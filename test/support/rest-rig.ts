// What the darktrace-rest end-to-end tests share: a fake appliance and a loopback sink (both closed when the
// test finishes) and a pipelines.yaml wired to them.
import { onTestFinished } from 'vitest';
import { writeConfig } from './cli.js';
import { startFakeDarktrace, type FakeDarktrace } from './fake-darktrace.js';
import { startHttpSink, type HttpSink } from './http-sink.js';

export interface RestRig {
  fake: FakeDarktrace;
  sink: HttpSink;
  dir: string;
  file: string;
  /** The appliance's tokens as DT_PUBLIC_TOKEN and DT_PRIVATE_TOKEN, for `${env:…}` in the config. */
  env: NodeJS.ProcessEnv;
}

/** Start an empty fake appliance and a sink, and write the config `yaml` builds from them. */
export async function startRestRig(yaml: (fake: FakeDarktrace, sink: HttpSink) => string): Promise<RestRig> {
  const fake = await startFakeDarktrace({ corpus: false, generate: false });
  const sink = await startHttpSink();
  onTestFinished(async () => {
    await fake.close();
    await sink.close();
  });
  const { dir, file } = writeConfig(yaml(fake, sink));
  return {
    fake,
    sink,
    dir,
    file,
    env: { DT_PUBLIC_TOKEN: fake.publicToken, DT_PRIVATE_TOKEN: fake.privateToken },
  };
}
