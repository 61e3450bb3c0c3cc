// `node --import ./register.js app.js` (from a clone) or `node --import promkit/register app.js`.
// A thin shim over the compiled preload, so the entry point has one stable path. It checks the
// Node version first, in syntax every Node reads: on an older Node the compiled preload could
// fail half-way or run half-working, and the app must run on either way.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major > 22 || (major === 22 && minor >= 15)) {
  await import('./dist/bundle/register.js');
} else {
  process.stderr.write(
    `promkit: metrics not started: Node ${process.versions.node} is older than promkit supports (22.15 or newer); the app runs without metrics\n`,
  );
}
