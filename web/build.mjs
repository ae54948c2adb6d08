// Bundles the page of WEBDIR into OUT (node build.mjs WEBDIR OUT, run from
// the directory where `npm ci` made node_modules from package-lock.json):
// index.html, assets/app.js and assets/app.css, everything they import
// inside: the page loads nothing from anywhere else.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [web, out] = process.argv.slice(2);
const modules = join(here, 'node_modules');
if (!web || !out) {
  console.error('usage: node build.mjs WEBDIR OUT');
  process.exit(2);
}
mkdirSync(join(out, 'assets'), { recursive: true });
await esbuild.build({
  entryPoints: { app: join(web, 'src', 'main.js') },
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  legalComments: 'none',
  nodePaths: [modules],
  outdir: join(out, 'assets'),
  logLevel: 'warning',
});
copyFileSync(join(web, 'index.html'), join(out, 'index.html'));
copyFileSync(join(web, 'favicon.svg'), join(out, 'assets', 'favicon.svg'));
