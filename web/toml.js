// toml.js — a small, strict TOML v1.0 reader for fairdraw plans (SPEC §3).
//
// No dependencies; runs in browsers and node. It implements the part of
// TOML v1.0 that plans use, strictly:
//   comments; key/value pairs; bare, "basic" and 'literal' keys; dotted keys;
//   [table] and [a.b] headers; basic, literal and multi-line strings with all
//   TOML escapes; integers (decimal, 0x, 0o, 0b, underscores, 64-bit range);
//   booleans; arrays (multi-line, trailing comma, comments); inline tables;
//   local dates (1979-05-27).
// Deliberately rejected, with a line/column error:
//   floats (SPEC §3.1: "A TOML float is an error"), inf/nan, times and
//   date-times, arrays of tables ([[x]]) — plans never use them.
// Duplicate keys, redefined tables and other TOML-invalid documents are errors.
//
// Exports:
//   parseToml(text) -> root table (null-prototype object). Integers are BigInt,
//       local dates are TomlDate instances, strings/booleans/arrays as usual.
//   TomlError        -> thrown on invalid input; has .line, .column (1-based).
//   TomlDate         -> {text: 'YYYY-MM-DD'}.
//   isTable(v)       -> true for tables produced by parseToml.
//   keyLine(table, key) -> 1-based line where key was defined (or undefined).

export class TomlError extends Error {
  constructor(message, line, column) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'TomlError';
    this.reason = message;
    this.line = line;
    this.column = column;
  }
}

export class TomlDate {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}

// table -> {kind: 'implicit'|'header'|'dotted'|'inline'|'root', lines: Map(key -> line)}
const META = new WeakMap();

export function isTable(v) { return v !== null && typeof v === 'object' && META.has(v); }
export function keyLine(table, key) { const m = META.get(table); return m ? m.lines.get(key) : undefined; }
export function tableLine(table) { const m = META.get(table); return m ? m.line : undefined; }

function newTable(kind, line) {
  const t = Object.create(null);
  META.set(t, { kind, line, lines: new Map() });
  return t;
}

const BARE_KEY = /^[A-Za-z0-9_-]$/;
const INT_DEC = /^[+-]?(?:0|[1-9](?:_?[0-9])*)$/;
const INT_HEX = /^0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*$/;
const INT_OCT = /^0o[0-7](?:_?[0-7])*$/;
const INT_BIN = /^0b[01](?:_?[01])*$/;
const FLOAT = /^[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

class Parser {
  constructor(text) {
    if (typeof text !== 'string') throw new TypeError('parseToml expects a string');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // tolerate a BOM
    this.s = text;
    this.i = 0;
    this.lineStarts = [0];
    for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) this.lineStarts.push(k + 1);
  }

  pos(at = this.i) {
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= at) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, column: at - this.lineStarts[lo] + 1 };
  }

  fail(msg, at = this.i) {
    const p = this.pos(at);
    throw new TomlError(msg, p.line, p.column);
  }

  peek(o = 0) { return this.s[this.i + o]; }
  eof() { return this.i >= this.s.length; }

  skipWs() {
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t') this.i++; else break;
    }
  }

  skipComment() {
    if (this.s[this.i] !== '#') return;
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c === 10 || (c === 13 && this.s[this.i + 1] === '\n')) return;
      if ((c < 0x20 && c !== 9) || c === 0x7f) this.fail('control character in comment');
      this.i++;
    }
  }

  // newline = LF | CRLF; returns true if one was consumed
  newline() {
    if (this.s[this.i] === '\n') { this.i++; return true; }
    if (this.s[this.i] === '\r' && this.s[this.i + 1] === '\n') { this.i += 2; return true; }
    return false;
  }

  // whitespace, comments and newlines (inside arrays)
  skipWsCommentNewline() {
    for (;;) {
      this.skipWs();
      if (this.s[this.i] === '#') this.skipComment();
      if (!this.newline()) return;
    }
  }

  endOfExpression() {
    this.skipWs();
    this.skipComment();
    if (this.eof()) return;
    if (!this.newline()) this.fail(`unexpected ${JSON.stringify(this.s[this.i])} (expected end of line)`);
  }

  parse() {
    const root = newTable('root', 1);
    let current = root;
    for (;;) {
      this.skipWs();
      if (this.eof()) break;
      const c = this.s[this.i];
      if (c === '#') { this.skipComment(); this.endOfExpression(); continue; }
      if (this.newline()) continue;
      if (c === '[') { current = this.header(root); this.endOfExpression(); continue; }
      this.keyval(current);
      this.endOfExpression();
    }
    return root;
  }

  // simple-key ( '.' simple-key )*
  key() {
    const parts = [];
    for (;;) {
      this.skipWs();
      const start = this.i;
      const c = this.s[this.i];
      let k;
      if (c === '"') {
        if (this.s.startsWith('"""', this.i)) this.fail('multi-line strings cannot be keys');
        k = this.basicString();
      } else if (c === "'") {
        if (this.s.startsWith("'''", this.i)) this.fail('multi-line strings cannot be keys');
        k = this.literalString();
      } else {
        while (this.i < this.s.length && BARE_KEY.test(this.s[this.i])) this.i++;
        if (this.i === start) {
          const ch = this.eof() ? 'end of file' : JSON.stringify(this.s[this.i]);
          const hint = !this.eof() && this.s.charCodeAt(this.i) > 0x7f ? ' (non-ASCII keys must be quoted)' : '';
          this.fail(`expected a key, found ${ch}${hint}`);
        }
        k = this.s.slice(start, this.i);
      }
      parts.push({ key: k, at: start });
      this.skipWs();
      if (this.s[this.i] === '.') { this.i++; continue; }
      return parts;
    }
  }

  header(root) {
    const at = this.i;
    this.i++; // '['
    if (this.s[this.i] === '[') this.fail('arrays of tables ([[...]]) are not used in plans');
    const parts = this.key();
    if (this.s[this.i] !== ']') this.fail("expected ']' to close the table header");
    this.i++;
    const line = this.pos(at).line;
    let t = root;
    for (let n = 0; n < parts.length; n++) {
      const { key, at: kat } = parts[n];
      const last = n === parts.length - 1;
      const meta = META.get(t);
      if (!(key in t)) {
        t[key] = newTable(last ? 'header' : 'implicit', line);
        meta.lines.set(key, line);
        t = t[key];
        continue;
      }
      const v = t[key];
      if (!isTable(v)) this.fail(`key ${JSON.stringify(key)} is already defined as a value (line ${meta.lines.get(key)})`, kat);
      const vm = META.get(v);
      if (vm.kind === 'inline') this.fail(`table ${JSON.stringify(key)} was defined inline and cannot be extended`, kat);
      if (last) {
        if (vm.kind === 'implicit') { vm.kind = 'header'; vm.line = line; }
        else this.fail(`table [${parts.map(p => p.key).join('.')}] is defined twice (first at line ${vm.line})`, at);
      }
      t = v;
    }
    return t;
  }

  keyval(table) {
    const parts = this.key();
    if (this.s[this.i] !== '=') this.fail("expected '=' after key");
    this.i++;
    this.skipWs();
    const line = this.pos(parts[0].at).line;
    let t = table;
    for (let n = 0; n < parts.length - 1; n++) {
      const { key, at } = parts[n];
      const meta = META.get(t);
      if (!(key in t)) {
        t[key] = newTable('dotted', line);
        meta.lines.set(key, line);
      } else {
        const v = t[key];
        if (!isTable(v) || META.get(v).kind !== 'dotted') {
          this.fail(`cannot add to ${JSON.stringify(key)} with a dotted key: it is already defined (line ${meta.lines.get(key)})`, at);
        }
      }
      t = t[key];
    }
    const { key, at } = parts[parts.length - 1];
    const meta = META.get(t);
    if (key in t) this.fail(`duplicate key ${JSON.stringify(key)} (first defined at line ${meta.lines.get(key)})`, at);
    const value = this.value();
    t[key] = value;
    meta.lines.set(key, line);
  }

  value() {
    const c = this.s[this.i];
    if (c === '"') return this.s.startsWith('"""', this.i) ? this.mlBasicString() : this.basicString();
    if (c === "'") return this.s.startsWith("'''", this.i) ? this.mlLiteralString() : this.literalString();
    if (c === '[') return this.array();
    if (c === '{') return this.inlineTable();
    if (this.s.startsWith('true', this.i) && !/[A-Za-z0-9_-]/.test(this.s[this.i + 4] || '')) { this.i += 4; return true; }
    if (this.s.startsWith('false', this.i) && !/[A-Za-z0-9_-]/.test(this.s[this.i + 5] || '')) { this.i += 5; return false; }
    return this.scalarToken();
  }

  scalarToken() {
    const start = this.i;
    while (this.i < this.s.length && /[0-9A-Za-z_+\-.:]/.test(this.s[this.i])) this.i++;
    let tok = this.s.slice(start, this.i);
    // "1979-05-27 07:32:00": a space may separate date and time
    if (/^\d{4}-\d{2}-\d{2}$/.test(tok) && this.s[this.i] === ' ' && /^\d{2}:/.test(this.s.slice(this.i + 1, this.i + 4))) {
      this.i++;
      while (this.i < this.s.length && /[0-9A-Za-z_+\-.:]/.test(this.s[this.i])) this.i++;
      tok = this.s.slice(start, this.i);
    }
    if (tok === '') {
      const ch = this.eof() ? 'end of file' : JSON.stringify(this.s[this.i]);
      this.fail(`expected a value, found ${ch}`);
    }
    if (INT_DEC.test(tok) || INT_HEX.test(tok) || INT_OCT.test(tok) || INT_BIN.test(tok)) {
      const clean = tok.replace(/_/g, '');
      let v;
      if (/^0[xob]/.test(clean)) v = BigInt(clean);
      else v = clean[0] === '-' ? -BigInt(clean.slice(1)) : BigInt(clean.replace(/^\+/, ''));
      if (v < I64_MIN || v > I64_MAX) this.fail(`integer ${tok} is out of the 64-bit range`, start);
      return v;
    }
    if (/^\d{4}-\d{2}-\d{2}$/.test(tok)) {
      const [y, m, d] = tok.split('-').map(Number);
      const dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
      if (m < 1 || m > 12 || d < 1 || d > dim[m - 1]) this.fail(`invalid date ${tok}`, start);
      return new TomlDate(tok);
    }
    if (/^\d{4}-\d{2}-\d{2}[Tt ]/.test(tok) || /^\d{2}:\d{2}/.test(tok)) {
      this.fail(`date-time/time values are not used in plans (${tok}); write dates as "YYYY-MM-DD"`, start);
    }
    if (FLOAT.test(tok) || /^[+-]?(inf|nan)$/.test(tok)) {
      this.fail(`floats are not allowed in plans (${tok}); write ratios as strings, e.g. "5%" or "0.05" (SPEC §3.1)`, start);
    }
    this.fail(`invalid value ${JSON.stringify(tok)}`, start);
  }

  array() {
    this.i++; // '['
    const out = [];
    for (;;) {
      this.skipWsCommentNewline();
      if (this.eof()) this.fail("unterminated array (missing ']')");
      if (this.s[this.i] === ']') { this.i++; return out; }
      out.push(this.value());
      this.skipWsCommentNewline();
      if (this.s[this.i] === ',') { this.i++; continue; }
      if (this.s[this.i] === ']') { this.i++; return out; }
      if (this.eof()) this.fail("unterminated array (missing ']')");
      this.fail(`expected ',' or ']' in array, found ${JSON.stringify(this.s[this.i])}`);
    }
  }

  inlineTable() {
    const line = this.pos().line;
    this.i++; // '{'
    const t = newTable('dotted', line); // keys inside may use dotted keys
    this.skipWs();
    if (this.s[this.i] === '}') { this.i++; META.get(t).kind = 'inline'; return t; }
    for (;;) {
      this.keyval(t);
      this.skipWs();
      if (this.s[this.i] === ',') { this.i++; this.skipWs(); if (this.s[this.i] === '}') this.fail('trailing comma in inline table'); continue; }
      if (this.s[this.i] === '}') { this.i++; break; }
      this.fail(`expected ',' or '}' in inline table${this.eof() || this.s[this.i] === '\n' || this.s[this.i] === '\r' ? ' (inline tables must be on one line)' : ''}`);
    }
    // freeze: the inline table and every table created inside it
    const freeze = (x) => { META.get(x).kind = 'inline'; for (const k of Object.keys(x)) if (isTable(x[k])) freeze(x[k]); };
    freeze(t);
    return t;
  }

  escape() {
    // at '\\'
    const at = this.i;
    this.i++;
    const c = this.s[this.i++];
    switch (c) {
      case 'b': return '\b';
      case 't': return '\t';
      case 'n': return '\n';
      case 'f': return '\f';
      case 'r': return '\r';
      case '"': return '"';
      case '\\': return '\\';
      case 'u': case 'U': {
        const len = c === 'u' ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + len);
        if (hex.length !== len || !/^[0-9A-Fa-f]+$/.test(hex)) this.fail(`invalid \\${c} escape`, at);
        this.i += len;
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.fail(`\\${c}${hex} is not a Unicode scalar value`, at);
        return String.fromCodePoint(cp);
      }
      default:
        this.fail(`invalid escape \\${c === undefined ? '' : c}`, at);
    }
  }

  checkChar(code, at) {
    if ((code < 0x20 && code !== 9) || code === 0x7f) this.fail(`control character U+${code.toString(16).toUpperCase().padStart(4, '0')} in string (use an escape)`, at);
  }

  basicString() {
    const start = this.i;
    this.i++;
    let out = '';
    for (;;) {
      if (this.eof()) this.fail('unterminated string', start);
      const c = this.s[this.i];
      if (c === '"') { this.i++; return out; }
      if (c === '\n' || c === '\r') this.fail('unterminated string (newline in a single-line string)', start);
      if (c === '\\') { out += this.escape(); continue; }
      this.checkChar(c.charCodeAt(0), this.i);
      out += c;
      this.i++;
    }
  }

  literalString() {
    const start = this.i;
    this.i++;
    const from = this.i;
    for (;;) {
      if (this.eof()) this.fail('unterminated string', start);
      const c = this.s[this.i];
      if (c === "'") { const v = this.s.slice(from, this.i); this.i++; return v; }
      if (c === '\n' || c === '\r') this.fail('unterminated string (newline in a single-line string)', start);
      this.checkChar(c.charCodeAt(0), this.i);
      this.i++;
    }
  }

  mlBasicString() {
    const start = this.i;
    this.i += 3;
    this.newline(); // a newline right after the delimiter is trimmed
    let out = '';
    for (;;) {
      if (this.eof()) this.fail('unterminated multi-line string', start);
      const c = this.s[this.i];
      if (c === '"' && this.s.startsWith('"""', this.i)) {
        let n = 3;
        while (this.s[this.i + n] === '"') n++;
        if (n > 5) this.fail('too many quotes at the end of a multi-line string');
        out += '"'.repeat(n - 3);
        this.i += n;
        return out;
      }
      if (c === '\\') {
        // line-ending backslash: \ ws* newline (ws|newline)*
        let j = this.i + 1;
        while (this.s[j] === ' ' || this.s[j] === '\t') j++;
        if (this.s[j] === '\n' || (this.s[j] === '\r' && this.s[j + 1] === '\n')) {
          this.i = j;
          for (;;) {
            if (this.newline()) continue;
            if (this.s[this.i] === ' ' || this.s[this.i] === '\t') { this.i++; continue; }
            break;
          }
          continue;
        }
        out += this.escape();
        continue;
      }
      if (this.newline()) { out += '\n'; continue; }
      this.checkChar(c.charCodeAt(0), this.i);
      out += c;
      this.i++;
    }
  }

  mlLiteralString() {
    const start = this.i;
    this.i += 3;
    this.newline();
    let out = '';
    for (;;) {
      if (this.eof()) this.fail('unterminated multi-line string', start);
      const c = this.s[this.i];
      if (c === "'" && this.s.startsWith("'''", this.i)) {
        let n = 3;
        while (this.s[this.i + n] === "'") n++;
        if (n > 5) this.fail('too many quotes at the end of a multi-line string');
        out += "'".repeat(n - 3);
        this.i += n;
        return out;
      }
      if (this.newline()) { out += '\n'; continue; }
      this.checkChar(c.charCodeAt(0), this.i);
      out += c;
      this.i++;
    }
  }
}

export function parseToml(text) {
  return new Parser(text).parse();
}
