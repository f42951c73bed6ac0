// verdict-answer.mjs — the page's whole verdict on a draw (web/verdict.js,
// run in node) from answers a test saved from the real server:
//
//   node tests/browser/verdict-answer.mjs ANSWERS.json
//
// ANSWERS.json: {"detail": GET /api/draws/{id}, "text": {url: body},
// "bytes": {url: base64 body}, "json": {url: value}}; any other URL is a 404.
// Prints {status, checks: [{id, state, problem}]} and exits 0.

import { readFileSync } from 'node:fs';
import { verifyDrawVerdict } from '../../web/verdict.js';

const a = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const missing = url => Object.assign(new Error(`HTTP 404 ${url}`), { status: 404 });
const io = {
  getText: async url => { if (url in a.text) return a.text[url]; throw missing(url); },
  getBytes: async url => { if (url in a.bytes) return new Uint8Array(Buffer.from(a.bytes[url], 'base64')); throw missing(url); },
  getJson: async url => { if (url in a.json) return a.json[url]; throw missing(url); },
};
const v = await verifyDrawVerdict(a.detail, io);
console.log(JSON.stringify({ status: v.status, checks: v.checks.map(c => ({ id: c.id, state: c.state, problem: c.problem || null })) }));
