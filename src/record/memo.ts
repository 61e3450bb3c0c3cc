/**
 * Handles memoised by a caller-chosen name (`cache(name)`, `circuitBreaker(name)`, `db.pool(name)`,
 * a cache operation), bounded like the series they write. Each handle binds one or more label
 * sets, so a program that makes up names (a cache per user id) would otherwise keep a handle per
 * name forever while the series themselves were already folded into the overflow series.
 */

/**
 * How many names the memos sharing it may hold. Memos whose handles write the same metric share
 * one budget (the operations of every cache, say), so the total stays within the metric's limit.
 */
export interface MemoBudget {
  size: number;
  /** The cardinality limit in force, read on each new name: a rebind may change it. */
  readonly limits: { readonly cardinality: number };
}

export function memoBudget(limits: { readonly cardinality: number }): MemoBudget {
  return { size: 0, limits };
}

/**
 * `(name) => handle`, creating a handle per name on first use. Past the budget (the cardinality
 * limit less the one series kept for overflow, as bound cells count it) every new name gets the
 * single handle `overflow()` makes, whose records go to the `otel_metric_overflow="true"` series.
 * Names already memoised keep their handle. Lookups of known names do not allocate. Extra
 * arguments (options) reach `create` only on the call that creates the handle.
 */
export function memoByName<H, A extends unknown[] = []>(
  budget: MemoBudget,
  create: (name: string, ...args: A) => H,
  overflow: () => H,
): (name: string, ...args: A) => H {
  const handles = new Map<string, H>();
  let spill: H | undefined;
  return (name, ...args) => {
    const found = handles.get(name);
    if (found !== undefined) return found;
    if (budget.size >= budget.limits.cardinality - 1) return (spill ??= overflow());
    const handle = create(name, ...args);
    handles.set(name, handle);
    budget.size++;
    return handle;
  };
}
