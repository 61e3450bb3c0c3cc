// Child-process plumbing for the sections that measure a server in its own process: fork with an
// IPC channel and wait for a message, or spawn without one and read its CPU time from /proc; stop
// only the processes this bench started.
import { execFileSync, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second, the unit of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/**
 * Forks `script` with `args` and Node flags `execArgv`; resolves once it sends `{ ready }`.
 * Its stderr is kept so that a failure says why.
 */
export function forkServer(script, { args = [], execArgv = [], env = {}, timeoutMs = 60_000 } = {}) {
  const child = fork(script, args, {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const ready = whenReady(child, script, timeoutMs, () => stderr, (found) => child.once('message', (message) => found(message.ready)));
  return {
    child,
    ready,
    stderr: () => stderr,
    /** Sends `message` and resolves with the next message the child sends back. */
    request(message) {
      return new Promise((resolve, reject) => {
        const onExit = (code) => reject(new Error(`${script} exited with ${code} before answering; stderr:\n${stderr}`));
        child.once('exit', onExit);
        child.once('message', (answer) => {
          child.off('exit', onExit);
          resolve(answer);
        });
        child.send(message);
      });
    },
    /** Ends this child (by its own handle, never by name) and waits for it to exit. */
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/**
 * Spawns `script` without an IPC channel; resolves `ready` with the URL it prints as
 * `listening <url>` on stdout. `cpuMicros()` reads the child's user + system CPU time from
 * /proc (Linux), so measuring it runs no code inside it.
 */
export function spawnServer(script, { args = [], execArgv = [], env = {}, timeoutMs = 60_000 } = {}) {
  const child = spawn(process.execPath, [...execArgv, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const ready = whenReady(child, script, timeoutMs, () => stderr, (found) =>
    child.stdout.on('data', (chunk) => {
      stdout += chunk.toString();
      const url = /^listening (\S+)$/m.exec(stdout)?.[1];
      if (url !== undefined) found(url);
    }),
  );
  return {
    child,
    ready,
    stderr: () => stderr,
    /** User + system CPU time of the child so far, in microseconds (fields 14 and 15 of /proc/<pid>/stat). */
    cpuMicros() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
    },
    /** Ends this child (by its own handle) and waits for it to exit. */
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/**
 * Resolves with what `listen(found)` reports first; rejects if the child exits before or takes
 * longer than `timeoutMs`, with its stderr so that a failure says why.
 */
function whenReady(child, script, timeoutMs, stderr, listen) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready in ${timeoutMs} ms; stderr:\n${stderr()}`)), timeoutMs);
    const onExit = (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}; stderr:\n${stderr()}`));
    };
    child.once('exit', onExit);
    listen((value) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(value);
    });
  });
}
