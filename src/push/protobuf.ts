/**
 * The Prometheus remote-write 1.0 request body
 * (https://prometheus.io/docs/specs/prw/remote_write_spec/), from `prompb/remote.proto` and
 * `prompb/types.proto`, reduced to the fields the spec requires of a sender:
 *
 *     message WriteRequest { repeated TimeSeries timeseries = 1; }
 *     message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *     message Label        { string name = 1; string value = 2; }
 *     message Sample       { double value = 1; int64 timestamp = 2; }  // milliseconds since the epoch
 */
import { ProtobufWriter } from '../exposition/protobuf-writer.js';

export interface Label {
  readonly name: string;
  readonly value: string;
}

export interface Sample {
  readonly value: number;
  /** Milliseconds since the Unix epoch. */
  readonly timestampMillis: number;
}

/** One series: labels sorted by name, `__name__` among them (the spec's MUSTs), samples oldest first. */
export interface TimeSeries {
  readonly labels: readonly Label[];
  readonly samples: readonly Sample[];
}

/** Bytes reserved up front per series: a typical series (a few labels, one sample) fits without regrowing. */
const BYTES_PER_SERIES = 160;

/** The protobuf encoding of `WriteRequest{timeseries}` (before snappy). */
export function encodeWriteRequest(timeseries: readonly TimeSeries[]): Uint8Array {
  const writer = new ProtobufWriter(BYTES_PER_SERIES * Math.max(1, timeseries.length));
  for (const series of timeseries) {
    writer.message(1, (ts) => {
      for (const label of series.labels) ts.message(1, (l) => l.string(1, label.name).string(2, label.value));
      for (const sample of series.samples) ts.message(2, (s) => s.double(1, sample.value).int64(2, sample.timestampMillis));
    });
  }
  return writer.finish();
}
