/**
 * Name rules of the HTTP Data Collector API (sentinel.md §1.1, §1.4, §1.5).
 */

/** Longest accepted `Log-Type`; longer gives 400 InvalidLogType (MicrosoftDocs/azure-docs#6603). */
export const maxLogTypeLength = 100;

/** Returns why a `Log-Type` would be refused, or `undefined` when it is acceptable. */
export function validateLogType(logType: string): string | undefined {
  if (logType === '') return 'log_type must not be empty.';
  if (logType.length > maxLogTypeLength) {
    return `log_type must be at most ${maxLogTypeLength} characters (got ${logType.length}).`;
  }
  const bad = /[^A-Za-z0-9_]/.exec(logType);
  if (bad !== null) {
    return `log_type may contain only letters, digits and "_" (found ${JSON.stringify(bad[0])} at position ${bad.index + 1}).`;
  }
  // The service appends `_CL` itself, so this would create a table named `…_CL_CL`.
  if (/_CL$/i.test(logType)) {
    return `log_type must not end in "_CL": the service appends it (use "${logType.slice(0, -3)}" for table ${logType}).`;
  }
  return undefined;
}

/** Returns why a `time-generated-field` name is unusable, or `undefined` when it is acceptable. */
export function validateTimeGeneratedField(field: string): string | undefined {
  if (field === '') return 'time_generated_field must not be empty.';
  // A field named TimeGenerated is silently ignored (MicrosoftDocs/azure-docs#86093).
  if (field.toLowerCase() === 'timegenerated') {
    return 'time_generated_field must not be "TimeGenerated": the service ignores it; name the record field instead.';
  }
  if (/[^A-Za-z0-9_]/.test(field)) return 'time_generated_field may contain only letters, digits and "_".';
  return undefined;
}
