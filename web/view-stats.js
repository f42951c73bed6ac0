// view-stats.js — `#/stats?year=Y`: one year's statistics from GET
// /api/stats (planned, drawn, published, problem rates, joint and off-site
// shares, follow-ups, inspector workload, fairness of the draws), drawn by
// stats-render.js, which `fairdraw stats --out report.html` inlines too.

import './stats-render.js';
import { lang } from './i18n.js';
import { getJson } from './api.js';

export async function load({ year }) {
  // Without a year the server answers for its own year, a China date (the
  // browser's local year differs around New Year outside UTC+8).
  return getJson(year ? `/api/stats?year=${encodeURIComponent(year)}` : '/api/stats');
}

export function title(data) {
  return lang() === 'en' ? `Statistics ${data.year}` : `${data.year} 年抽查统计`;
}

export function render(data) {
  return globalThis.FairdrawStats.render(data, lang());
}
