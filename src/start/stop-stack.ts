/**
 * What a start has built, undone in reverse: each build step pushes how to stop what it started,
 * so a failed start and `shutdown()` undo exactly what exists, last built first (the pushers'
 * final push before the server closes, the server before the provider shuts down).
 */
export class StopStack {
  readonly #stops: Array<() => void | Promise<void>> = [];

  push(stop: () => void | Promise<void>): void {
    this.#stops.push(stop);
  }

  /** Runs every stop, last pushed first; one that throws does not keep the others from running. */
  async unwind(): Promise<void> {
    while (this.#stops.length > 0) {
      try {
        await this.#stops.pop()!();
      } catch {
        // Stopping must finish: an error in one part (already reported where it happened) leaves the rest to stop.
      }
    }
  }
}
