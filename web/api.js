// api.js — talking to the public API (web/openapi.json).
//
// Errors carry the HTTP status and the server's own `error` text (4xx answers
// say why, e.g. why a USCC is invalid), so pages can show it verbatim.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0 = no answer (network)
  }
}

async function request(url, { method = 'GET', token = null, body = undefined } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, e && e.message ? e.message : String(e));
  }
  if (!res.ok) {
    let message = res.statusText || `HTTP ${res.status}`;
    try {
      const body = await res.json();
      if (body && typeof body.error === 'string') message = body.error;
    } catch { /* not JSON: keep the status text */ }
    throw new ApiError(res.status, message);
  }
  return res;
}

export async function getJson(url) {
  return (await request(url)).json();
}

/** A staff request (web/view-review.js): the account's token, and a JSON body for writes. */
export async function staffJson(url, token, body) {
  return (await request(url, { method: body === undefined ? 'GET' : 'POST', token, body })).json();
}

export async function getText(url) {
  return (await request(url)).text();
}

/** For verifyLoggedDraw: the raw bytes of a download (snapshots are gzip). */
export async function getBytes(url) {
  return new Uint8Array(await (await request(url)).arrayBuffer());
}

export const api = {
  draws: (page, perPage) => getJson(`/api/draws?page=${page}&per_page=${perPage}`),
  draw: id => getJson(`/api/draws/${encodeURIComponent(id)}`),
  enterprise: uscc => getJson(`/api/enterprises/${encodeURIComponent(uscc)}`),
  results: draw => getJson(`/api/results?draw=${encodeURIComponent(draw)}`),
  commitments: state => getJson(`/api/commitments?state=${encodeURIComponent(state)}`),
  plans: () => getJson('/api/plans'),
  visits: () => getJson('/api/visits'),
};
