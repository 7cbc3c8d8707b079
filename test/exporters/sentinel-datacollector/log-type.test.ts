import { describe, expect, it } from 'vitest';
import {
  validateLogType,
  validateTimeGeneratedField,
} from '../../../exporters/sentinel-datacollector/log-type.js';

describe('sentinel-datacollector log-type', () => {
  it.each(['darktrace_model_alerts', 'A', 'x'.repeat(100), 'Table_2024'])('accepts %j', (name) => {
    expect(validateLogType(name)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['x'.repeat(101), /at most 100 characters \(got 101\)/],
    ['darktrace-alerts', /only letters, digits and "_" \(found "-" at position 10\)/],
    ['alerts table', /found " "/],
    ['Café', /found "é"/],
    ['darktrace_model_alerts_CL', /appends it \(use "darktrace_model_alerts"/],
  ])('refuses %j with a clear message', (name, message) => {
    expect(validateLogType(name)).toMatch(message);
  });

  it('refuses TimeGenerated as the time-generated field, which the service ignores', () => {
    expect(validateTimeGeneratedField('TimeGenerated')).toMatch(/ignores it/);
    expect(validateTimeGeneratedField('timestamp')).toBeUndefined();
    expect(validateTimeGeneratedField('event-time')).toMatch(/letters, digits/);
  });
});
