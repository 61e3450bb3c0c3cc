// Bundles the compiled ES modules (tsc's output in dist/src and dist/instrumentation) into
// dist/bundle: one file per package entry point plus the chunks they share. Node resolves, reads
// and links every ES module file on its own, and with ~110 files that bookkeeping was about a
// third of `--import promkit/register`'s start-up CPU. Shared code lands in shared chunks, so
// every entry point sees the same module instances (one default facade, one running handle);
// `import()`s stay lazy chunks. Dependencies and Node built-ins stay imports: one copy of each
// OpenTelemetry package is the app's and promkit's alike.
//   node scripts/bundle.mjs        (after `tsc -p tsconfig.build.json`; `npm run build` runs both)
import { readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'rolldown';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist', 'bundle');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Entry name -> compiled module, for every `./dist/bundle/<name>.js` the exports map and register.js point at. */
const input = { register: join(root, 'dist', 'src', 'register.js') };
for (const target of Object.values(manifest.exports)) {
  if (typeof target !== 'object' || !target.default.startsWith('./dist/bundle/')) continue;
  const name = target.default.slice('./dist/bundle/'.length, -'.js'.length);
  // The declaration file names the compiled module it describes.
  input[name] = join(root, target.types.replace(/\.d\.ts$/, '.js'));
}

rmSync(out, { recursive: true, force: true });
await build({
  input,
  platform: 'node',
  // Bare specifiers (dependencies, optional peers, the app's own packages) and built-ins stay imports.
  external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  output: {
    dir: out,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: false,
  },
  logLevel: 'warn',
});
console.log(`bundled ${Object.keys(input).length} entry points into ${relative(root, out)}/`);
