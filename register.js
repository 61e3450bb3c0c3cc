// `node --import ./register.js app.js` (from a clone) or `node --import promkit/register app.js`.
// A thin shim over the compiled preload, so the entry point has one stable path.
import './dist/bundle/register.js';
