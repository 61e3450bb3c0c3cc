/** An OpenMetrics exemplar on a series or bucket, as prom-client keeps it. */
export class Exemplar {
  timestamp?: number;
  constructor(
    public labelSet: Record<string, string | number> = {},
    public value: number | null = null,
  ) {}

  /** OpenMetrics caps an exemplar's label names and values at 128 UTF-8 characters together. */
  validateExemplarLabelSet(labelSet: Record<string, string | number>): void {
    let length = 0;
    for (const [name, value] of Object.entries(labelSet)) length += name.length + String(value).length;
    if (length > 128) throw new RangeError('Label set size must be smaller than 128 UTF-8 chars');
  }

  /** Replaces the exemplar with `labelSet` and `value`, stamped now (seconds). */
  update(labelSet: Record<string, string | number>, value: number): void {
    this.validateExemplarLabelSet(labelSet);
    this.labelSet = labelSet;
    this.value = value;
    this.timestamp = Date.now() / 1000;
  }
}
