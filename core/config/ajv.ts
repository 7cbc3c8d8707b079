// One ajv set-up for every schema: all errors, defaults applied, unknown keys rejected, never coerce types.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { byteSizePattern, durationPattern } from '../units.js';

/** A new ajv instance with dtcol's formats (`duration`, `byte-size`) and the `secret` keyword. */
export function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    useDefaults: true,
    // Gives errors their parentSchema, which names the allowed keys for "unknown key" messages.
    verbose: true,
    coerceTypes: false,
    allowUnionTypes: true,
  });
  addFormats.default(ajv);
  ajv.addFormat('duration', new RegExp(durationPattern));
  ajv.addFormat('byte-size', new RegExp(byteSizePattern));
  // Marks fields whose values are redacted wherever config is printed or logged.
  ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
  // What a `pattern` means in words, for the error message ("must be host:port such as …").
  ajv.addKeyword({ keyword: 'hint', schemaType: 'string' });
  return ajv;
}

let shared: Ajv | undefined;
// Keyed by schema object; the factories' schemas live as long as the process, so entries go only with release.
let compiled = new WeakMap<object, ValidateFunction>();

/** Compile (once per schema object) with the shared instance. Throws when the schema itself is invalid. */
export function compileSchema(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (fn === undefined) {
    shared ??= createAjv();
    fn = shared.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/**
 * Forget the shared instance and every validator compiled so far (the next `compileSchema` starts afresh).
 * `dtcol run` calls it once the config is valid: ajv keeps each compiled schema's generated code, source and
 * schema environment, which a running service never needs again.
 */
export function releaseCompiledSchemas(): void {
  shared = undefined;
  compiled = new WeakMap();
}
