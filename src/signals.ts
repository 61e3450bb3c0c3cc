/**
 * Flushing push outputs when the process is told to stop. A signal never reaches `beforeExit`,
 * so without this an app stopped by SIGTERM (every container stop) or Ctrl-C loses everything
 * counted since the last push. The process must still end exactly as it would without promkit:
 * a `SIGTERM` listener removes Node's default exit, so after the flush promkit's listener is
 * removed and, when nobody else listens, the signal is raised again.
 */

/** How long a flush on a signal or a fatal exception may hold the process, at most. */
export const SIGNAL_FLUSH_TIMEOUT_MILLIS = 10_000;

export const FLUSH_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface SignalFlushOptions {
  /**
   * The last flush before the process ends (the final push of every output); called when no
   * other listener would keep the process running.
   */
  readonly shutdown: () => Promise<void>;
  /** One push now, the app's own listener deciding when to exit; called when the app listens too. */
  readonly flush: () => Promise<void>;
  /** Bound on either, default {@link SIGNAL_FLUSH_TIMEOUT_MILLIS}. */
  readonly timeoutMillis?: number;
}

/**
 * Listens for SIGTERM and SIGINT and for an uncaught exception; the first of them removes all
 * three listeners:
 *
 * - a signal with no other listener: the final flush (bounded), then the listener is removed
 *   and the signal raised again, so the process dies of it (same exit status as without promkit);
 * - a signal the app listens for too: one push now, and the app's handler decides as before;
 * - an uncaught exception (or unhandled rejection) nobody else handles: the final flush, then the
 *   error is thrown again, so Node prints it and exits with code 1 as it would have.
 *
 * Listeners never keep the process alive. Returns a function that removes them.
 */
export function flushOnSignals(options: SignalFlushOptions): () => void {
  const timeoutMillis = options.timeoutMillis ?? SIGNAL_FLUSH_TIMEOUT_MILLIS;
  let installed = true;
  const uninstall = () => {
    if (!installed) return;
    installed = false;
    for (const signal of FLUSH_SIGNALS) process.off(signal, onSignal);
    process.off('uncaughtException', onUncaught);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    // Counted before removing ours: a `once` listener of the app is still registered while ours, registered first, runs.
    const others = process.listenerCount(signal) - 1;
    uninstall();
    if (others > 0) {
      // The app decides when it ends: this flush must not hold it open by its timer.
      void bounded(options.flush(), timeoutMillis, false);
      return;
    }
    void bounded(options.shutdown(), timeoutMillis).then(() => process.kill(process.pid, signal));
  };
  const onUncaught = (error: unknown, origin: NodeJS.UncaughtExceptionOrigin) => {
    if (process.listenerCount('uncaughtException') > 1) return;
    uninstall();
    void bounded(options.shutdown(), timeoutMillis).then(() =>
      setImmediate(() => {
        // Raised again with no listener left, the way it first came: Node's own report and exit code.
        if (origin === 'unhandledRejection') void Promise.reject(error);
        else throw error;
      }),
    );
  };
  // First in line, so the count of the app's listeners above includes its `once` ones.
  for (const signal of FLUSH_SIGNALS) process.prependListener(signal, onSignal);
  process.prependListener('uncaughtException', onUncaught);
  return uninstall;
}

/** Settles when `work` settles or after `timeoutMillis`, whichever is first; never rejects. */
async function bounded(work: Promise<void>, timeoutMillis: number, holdProcess = true): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMillis);
    if (!holdProcess) timer.unref();
  });
  try {
    await Promise.race([work.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
