/**
 * The few Go formatting functions Prometheus applies to alert annotations, so the rule unit
 * tests can state the exact annotations an alert carries (`promtool test rules` compares them
 * verbatim). Only the template forms the shipped rules use are understood; any other throws, so
 * a new annotation cannot silently go untested.
 */

/** Go's `%.4g`: four significant digits, trailing zeros dropped, exponent form outside 1e-4..1e4. */
export function goG4(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf';
  const [mantissa, exponentText] = x.toExponential(3).split('e') as [string, string];
  const exponent = Number(exponentText);
  const trim = (digits: string) => (digits.includes('.') ? digits.replace(/0+$/, '').replace(/\.$/, '') : digits);
  if (exponent < -4 || exponent >= 4) {
    return `${trim(mantissa)}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return trim(x.toFixed(Math.max(0, 3 - exponent)));
}

/** Prometheus's `humanizePercentage`: the ratio times 100, `%.4g%`. */
export function humanizePercentage(x: number): string {
  return `${goG4(x * 100)}%`;
}

/** Prometheus's `humanizeDuration` for seconds: `1m 30s` from a minute up, `1.5s`, `737.5ms`, `12µs`... */
export function humanizeDuration(x: number): string {
  if (x === 0) return '0s';
  if (Math.abs(x) >= 1) {
    const sign = x < 0 ? '-' : '';
    const whole = Math.trunc(Math.abs(x));
    const [d, h, m, s] = [Math.floor(whole / 86400), Math.floor(whole / 3600) % 24, Math.floor(whole / 60) % 60, whole % 60];
    if (d !== 0) return `${sign}${d}d ${h}h ${m}m ${s}s`;
    if (h !== 0) return `${sign}${h}h ${m}m ${s}s`;
    if (m !== 0) return `${sign}${m}m ${s}s`;
    return `${sign}${goG4(Math.abs(x))}s`;
  }
  let value = x;
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(value) >= 1) break;
    prefix = p;
    value *= 1000;
  }
  return `${goG4(value)}${prefix}s`;
}

/** Renders an annotation template for one alert: `{{ $labels.x }}` and `{{ $value | humanize... }}`. */
export function renderAnnotation(template: string, labels: Readonly<Record<string, string>>, value: number): string {
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, action: string) => {
    const label = /^\$labels\.(\w+)$/.exec(action);
    if (label) {
      const found = labels[label[1]!];
      if (found === undefined) throw new Error(`the annotation reads label ${label[1]}, which the alert does not carry`);
      return found;
    }
    if (action === '$value | humanizePercentage') return humanizePercentage(value);
    if (action === '$value | humanizeDuration') return humanizeDuration(value);
    throw new Error(`annotation template action {{ ${action} }} is not supported by the rule test generator`);
  });
}
