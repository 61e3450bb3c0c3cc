// Child-process plumbing for the sections that measure a server in its own process: fork with an
// IPC channel, wait for a message, and stop only the process this bench started.
import { fork } from 'node:child_process';

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
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready in ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
    const onExit = (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}; stderr:\n${stderr}`));
    };
    child.once('exit', onExit);
    child.once('message', (message) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(message.ready);
    });
  });
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
