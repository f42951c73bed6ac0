// Runs the page's witness check (web/witness-check.js) on a real server's
// answers, saved by tests/witness.rs: {detail, material, vkey} in the JSON
// file named by argv[2]. Prints the check's result as JSON.
import { readFileSync } from 'node:fs';
import { checkWitnesses } from '../../web/witness-check.js';

const { detail, material, vkey } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const result = await checkWitnesses(detail, material, vkey);
process.stdout.write(JSON.stringify(result) + '\n');
