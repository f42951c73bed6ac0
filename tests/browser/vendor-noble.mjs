// vendor-noble.mjs — copy @noble/curves and @noble/hashes into web/vendor/noble/.
//
//   npm pack @noble/curves@VERSION @noble/hashes@VERSION   (in a scratch directory)
//   tar xzf noble-curves-*.tgz -C curves; tar xzf noble-hashes-*.tgz -C hashes
//   node tests/browser/vendor-noble.mjs CURVES_PACKAGE_DIR HASHES_PACKAGE_DIR
//
// Keeps only the import closure of bls12-381.js and ed25519.js (plus both
// LICENSE files), and rewrites the bare `@noble/hashes/…` specifiers to
// relative paths: the page has no bundler, and an import map would be an
// inline script, which the server's Content-Security-Policy forbids.
// The files are otherwise byte-for-byte those of the npm packages.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [curvesDir, hashesDir] = process.argv.slice(2);
if (!curvesDir || !hashesDir) {
  console.error('usage: node tests/browser/vendor-noble.mjs CURVES_PACKAGE_DIR HASHES_PACKAGE_DIR');
  process.exit(2);
}
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../web/vendor/noble');
const roots = { curves: path.resolve(curvesDir), hashes: path.resolve(hashesDir) };
const ENTRIES = [['curves', 'bls12-381.js'], ['curves', 'ed25519.js']];
// Only real statements: comments (" * import …") do not start a line with import/export.
const IMPORT = /^(?:import|export)\b[^;]*?\bfrom\s*(['"])([^'"]+)\1/gms;

fs.rmSync(out, { recursive: true, force: true });
const seen = new Set();
const queue = [...ENTRIES];
while (queue.length) {
  const [pkg, rel] = queue.pop();
  const key = `${pkg}/${rel}`;
  if (seen.has(key)) continue;
  seen.add(key);
  let text = fs.readFileSync(path.join(roots[pkg], rel), 'utf8');
  text = text.replace(IMPORT, (stmt, q, spec) => {
    let target;
    if (spec.startsWith('@noble/hashes/')) target = ['hashes', spec.slice('@noble/hashes/'.length)];
    else if (spec.startsWith('.')) target = [pkg, path.posix.join(path.posix.dirname(rel), spec)];
    else throw new Error(`${key}: unexpected import ${spec}`);
    queue.push(target);
    const from = path.posix.join(pkg, path.posix.dirname(rel));
    let relSpec = path.posix.relative(from, path.posix.join(...target));
    if (!relSpec.startsWith('.')) relSpec = `./${relSpec}`;
    return stmt.replace(`${q}${spec}${q}`, `${q}${relSpec}${q}`);
  });
  fs.mkdirSync(path.dirname(path.join(out, key)), { recursive: true });
  fs.writeFileSync(path.join(out, key), text);
}
for (const pkg of Object.keys(roots)) {
  fs.copyFileSync(path.join(roots[pkg], 'LICENSE'), path.join(out, pkg, 'LICENSE'));
}
const version = pkg => JSON.parse(fs.readFileSync(path.join(roots[pkg], 'package.json'), 'utf8')).version;
console.log(`@noble/curves ${version('curves')}, @noble/hashes ${version('hashes')}: ${seen.size} files in ${out}`);
console.log([...seen].sort().join('\n'));
