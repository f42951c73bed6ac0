// stats-render.js — draws one year's statistics (GET /api/stats, the
// `fairdraw-stats/1` JSON of audit/LOG-FORMAT.md "Statistics") as tables and
// SVG bar charts. The page (`#/stats`, web/view-stats.js) and the
// self-contained report (`fairdraw stats --out report.html`, which inlines
// this file) share it, so both show the same figures the same way.
//
// A plain script with no imports or exports (it runs inline in the report
// and as a module on the page): it sets globalThis.FairdrawStats.
// The bar charts are drawn here (a few dozen lines of SVG) rather than with
// a charting library: the report must be one file with everything inline,
// and the charting libraries on the npm registry that draw SVG ship as ES or
// CommonJS modules with their own stylesheet, which would have to be
// rewritten to inline them.

(function () {
  const SVG = 'http://www.w3.org/2000/svg';

  const WORDS = {
    zh: {
      title: '{year} 年抽查统计', asof: '统计日期', draws: '抽签次数', sealed: '其中未解封',
      totals: '全年合计', by_department: '按部门', by_region: '按区域', by_class: '按信用风险分类',
      department: '部门', region: '区域', class: '分类',
      planned: '计划', drawn: '抽中', published: '已公示', published_rate: '公示率',
      problems: '发现问题', problem_rate: '问题发现率', joint: '联合检查', joint_share: '联合检查占比',
      off_site: '非现场', off_site_share: '非现场占比', follow_ups: '后续处置', overdue: '逾期',
      inspectors: '检查人员工作量', inspector: '检查人员', visits: '检查户次', led: '任组长', as_expert: '任专家',
      fairness: '抽签公平性', fair_class: '按分类：抽中与预期（名录数 × 比例）',
      fair_region: '按区域：抽中与预期', label: '类别', expected: '预期',
      chi: 'χ² = {s}，自由度 {df}，p = {p}', unavailable: '无法计算：{why}', none: '—',
      chart_rates: '公示率与问题发现率（按部门）', legend_drawn: '抽中', legend_expected: '预期',
    },
    en: {
      title: 'Inspection statistics {year}', asof: 'As of', draws: 'Draws', sealed: 'still sealed',
      totals: 'Year totals', by_department: 'By department', by_region: 'By region', by_class: 'By credit class',
      department: 'Department', region: 'Region', class: 'Class',
      planned: 'Planned', drawn: 'Drawn', published: 'Published', published_rate: 'Published rate',
      problems: 'Problems found', problem_rate: 'Problem rate', joint: 'Joint', joint_share: 'Joint share',
      off_site: 'Off-site', off_site_share: 'Off-site share', follow_ups: 'Follow-ups', overdue: 'Overdue',
      inspectors: 'Inspector workload', inspector: 'Inspector', visits: 'Visits', led: 'Led', as_expert: 'As expert',
      fairness: 'Fairness of the draws', fair_class: 'By class: drawn vs expected (eligible × ratio)',
      fair_region: 'By region: drawn vs expected', label: 'Cell', expected: 'Expected',
      chi: 'χ² = {s}, df {df}, p = {p}', unavailable: 'Not available: {why}', none: '—',
      chart_rates: 'Published and problem rates by department', legend_drawn: 'Drawn', legend_expected: 'Expected',
    },
  };

  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
    for (const k of kids.flat()) if (k != null) n.append(k instanceof Node ? k : String(k));
    return n;
  }

  function svg(tag, attrs, ...kids) {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
    for (const k of kids.flat()) if (k != null) n.append(k instanceof Node ? k : String(k));
    return n;
  }

  const pct = v => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : '—');
  const fix = (v, d) => (typeof v === 'number' ? v.toFixed(d) : '—');

  /** Horizontal bars, one group per label, one bar per series; scales to the container's width. */
  function bars(title, labels, series, max, format) {
    const rowH = 14 * series.length + 10;
    const width = 320, left = 110, right = 56;
    const height = labels.length * rowH + 8;
    const top = Math.max(max, 1e-9);
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': title, class: 'stats-chart' });
    labels.forEach((label, i) => {
      const y = 4 + i * rowH;
      chart.append(svg('text', { x: left - 4, y: y + rowH / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', 'font-size': 10 }, label));
      series.forEach((s, j) => {
        const v = s.values[i] || 0;
        const w = Math.max(0, (width - left - right) * v / top);
        const by = y + j * 14;
        chart.append(svg('rect', { x: left, y: by, width: w, height: 12, fill: s.color }, svg('title', {}, `${s.name}: ${format(v)}`)));
        chart.append(svg('text', { x: left + w + 3, y: by + 9, 'font-size': 9 }, format(v)));
      });
    });
    const legend = el('p', { class: 'stats-legend' }, series.map(s => el('span', {}, el('span', { class: 'stats-swatch', style: `background:${s.color}` }), ' ', s.name, ' ')));
    return el('figure', { class: 'stats-figure' }, el('figcaption', {}, title), chart, legend);
  }

  function groupTable(w, rows, key) {
    const cols = ['planned', 'drawn', 'published', 'published_rate', 'problems', 'problem_rate', 'joint_share', 'off_site_share', 'follow_ups', 'overdue'];
    const rate = c => c.endsWith('_rate') || c.endsWith('_share');
    return el('div', { class: 'table-scroll' }, el('table', { class: 'stats-table' },
      el('thead', {}, el('tr', {}, key ? el('th', { scope: 'col' }, w[key]) : null, cols.map(c => el('th', { scope: 'col' }, w[c])))),
      el('tbody', {}, rows.map(r => el('tr', {},
        key ? el('th', { scope: 'row' }, r[key] || w.none) : null,
        cols.map(c => el('td', { class: 'num' }, rate(c) ? pct(r[c]) : (r[c] == null ? w.none : r[c]))))))));
  }

  function fairness(w, title, test) {
    if (!test || test.unavailable) return el('section', {}, el('h3', {}, title), el('p', {}, w.unavailable.replace('{why}', test ? test.unavailable : '')));
    const labels = test.cells.map(c => c.label);
    const max = Math.max(...test.cells.map(c => Math.max(c.drawn, c.expected)), 1);
    return el('section', {}, el('h3', {}, title),
      el('p', { class: 'stats-chi' }, w.chi.replace('{s}', fix(test.statistic, 2)).replace('{df}', test.df).replace('{p}', fix(test.p_value, 4))),
      bars(title, labels, [
        { name: w.legend_drawn, color: '#1f6feb', values: test.cells.map(c => c.drawn) },
        { name: w.legend_expected, color: '#9aa4ad', values: test.cells.map(c => c.expected) },
      ], max, v => fix(v, 1)));
  }

  /** The statistics as one element, in Chinese (`zh`) or English (`en`). */
  function render(stats, lang) {
    const w = WORDS[lang === 'en' ? 'en' : 'zh'];
    const depts = stats.by_department;
    return el('div', { class: 'stats' },
      el('h1', {}, w.title.replace('{year}', stats.year)),
      el('p', { class: 'muted' }, `${w.asof} ${stats.today} · ${w.draws} ${stats.draws}（${w.sealed} ${stats.sealed}）`),
      el('h2', {}, w.totals), groupTable(w, [stats.totals], null),
      bars(w.chart_rates, depts.map(d => d.department || w.none), [
        { name: w.published_rate, color: '#2da44e', values: depts.map(d => d.published_rate || 0) },
        { name: w.problem_rate, color: '#cf222e', values: depts.map(d => d.problem_rate || 0) },
      ], 1, pct),
      el('h2', {}, w.by_department), groupTable(w, depts, 'department'),
      el('h2', {}, w.by_region), groupTable(w, stats.by_region, 'region'),
      el('h2', {}, w.by_class), groupTable(w, stats.by_class, 'class'),
      el('h2', {}, w.fairness),
      fairness(w, w.fair_class, stats.fairness.class),
      fairness(w, w.fair_region, stats.fairness.region),
      el('h2', {}, w.inspectors),
      el('div', { class: 'table-scroll' }, el('table', { class: 'stats-table' },
        el('thead', {}, el('tr', {}, ['inspector', 'visits', 'led', 'as_expert', 'published', 'problems'].map(c => el('th', { scope: 'col' }, w[c])))),
        el('tbody', {}, stats.inspectors.map(i => el('tr', {}, el('th', { scope: 'row' }, i.inspector),
          ['visits', 'led', 'as_expert', 'published', 'problems'].map(c => el('td', { class: 'num' }, i[c]))))))));
  }

  globalThis.FairdrawStats = { render };
})();
