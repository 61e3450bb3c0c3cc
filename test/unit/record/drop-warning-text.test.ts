import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, test } from 'vitest';
import { DropRecorder } from '../../../src/record/drops.js';
import { setWarningWriter } from '../../../src/warnings.js';

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe('a drop warning', () => {
  test('joins a detail that ends in a full stop and the advice with "; ", not ".;"', () => {
    const lines: string[] = [];
    restore = setWarningWriter((line) => void lines.push(line));
    const drops = new DropRecorder(new MeterProvider().getMeter('test'));
    drops.drop('a_total', 'name_collision', 'metrics "a" and "a.total" are both "a_total" in Prometheus; keeping the first.');
    expect(lines).toEqual([
      'promkit: dropped a measurement of "a_total" (name_collision): metrics "a" and "a.total" are both "a_total" in Prometheus; keeping the first; ' +
        'rename one of the two instruments: they are one name in Prometheus, and only the first is exported. ' +
        'Further drops of this kind are only counted in promkit.measurements.dropped.\n',
    ]);
  });
});
