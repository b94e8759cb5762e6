"""The test page a real browser loads from the scenario's page host.

The page drives itself over a same-origin control channel so that every engine is driven the same
way and the driver only has to navigate: it long-polls `/__corssim/next?run=TOKEN` for a step,
performs it with `fetch()` or `XMLHttpRequest` exactly as the step's `init` says, and posts what the
page could observe to `/__corssim/result?run=TOKEN`. Control requests are never logged.
"""

from __future__ import annotations

__all__ = ["PAGE_HTML"]

# JSON from the harness -> fetch()/XHR; what comes back is only what a page script can observe.
PAGE_JS = r"""
"use strict";
// The run token travels in the fragment, so that the page URL (and so Referer) is just "/".
const RUN = new URLSearchParams(location.hash.slice(1)).get("run");
const CTL = "/__corssim/";

function ctlFetch(path, body) {
  const init = {cache: "no-store"};
  if (body !== undefined) {
    init.method = "POST";
    init.body = JSON.stringify(body);
    init.headers = {"Content-Type": "text/plain;charset=UTF-8"};
  }
  return fetch(CTL + path + "?run=" + encodeURIComponent(RUN), init);
}

function errText(e) {
  if (e === null || e === undefined) return null;
  return (e.name ? e.name + ": " : "") + (e.message !== undefined ? e.message : String(e));
}

function withTimeout(promise, ms) {
  let t;
  const timer = new Promise(resolve => {
    t = setTimeout(() => resolve({outcome: "timeout", error: "harness timeout after " + ms + " ms"}), ms);
  });
  return Promise.race([promise, timer]).finally(() => clearTimeout(t));
}

// A scenario body is a string, null, or {"kind": ..., "data": ..., "type": ...} (corssim.request.Body).
function makeBody(b) {
  if (b === null || b === undefined || typeof b === "string") return b;
  const data = b.data === undefined ? "" : b.data;
  switch (b.kind) {
    case "text": return String(data);
    case "bytes": return new TextEncoder().encode(data);
    case "urlsearchparams": return new URLSearchParams(data);
    case "formdata": {
      const fd = new FormData();
      for (const [k, v] of new URLSearchParams(data)) fd.append(k, v);
      return fd;
    }
    case "blob": return new Blob([data], {type: b.type || ""});
    case "stream": {
      const bytes = new TextEncoder().encode(data);
      return new ReadableStream({start(c) { if (bytes.length) c.enqueue(bytes); c.close(); }});
    }
  }
  throw new TypeError("corssim page: unknown body kind " + b.kind);
}

async function doFetch(step) {
  const init = Object.assign({}, step.init || {});
  delete init.uploadListeners;
  const out = {api: "fetch", outcome: "network_error", response_type: null, status: null,
               readable_headers: {}, body: null, error: null};
  let resp;
  try {
    if ("body" in init) init.body = makeBody(init.body);
    resp = await fetch(step.url, init);
  } catch (e) {
    out.error = errText(e);
    return out;
  }
  out.outcome = "ok";
  out.response_type = resp.type;
  out.status = resp.status;
  const h = {};
  for (const [k, v] of resp.headers) h[k] = v;
  out.readable_headers = h;
  try {
    out.body = await resp.text();
  } catch (e) {
    out.outcome = "network_error";
    out.body_error = errText(e);
  }
  return out;
}

function doXhr(step) {
  const init = step.init || {};
  return new Promise(resolve => {
    const out = {api: "xhr", outcome: "network_error", response_type: null, status: null,
                 readable_headers: {}, body: null, error: null};
    let xhr;
    try {
      xhr = new XMLHttpRequest();
      xhr.open(init.method === undefined ? "GET" : init.method, step.url, true);
      for (const [k, v] of (init.headers || [])) xhr.setRequestHeader(k, v);
      if (init.withCredentials !== undefined) xhr.withCredentials = !!init.withCredentials;
      if (init.uploadListeners) xhr.upload.onprogress = () => {};
    } catch (e) {
      out.error = errText(e);
      resolve(out);
      return;
    }
    xhr.onload = () => {
      out.outcome = "ok";
      out.status = xhr.status;
      out.response_url = xhr.responseURL;
      const h = {};
      const raw = xhr.getAllResponseHeaders();
      for (const line of raw.split("\r\n")) {
        if (!line) continue;
        const i = line.indexOf(":");
        const name = line.slice(0, i).trim().toLowerCase();
        const value = line.slice(i + 1).trim();
        h[name] = name in h ? h[name] + ", " + value : value;
      }
      out.readable_headers = h;
      out.body = xhr.responseText;
      resolve(out);
    };
    xhr.onerror = () => { out.error = "xhr error event"; resolve(out); };
    xhr.onabort = () => { out.error = "xhr abort event"; resolve(out); };
    xhr.ontimeout = () => { out.error = "xhr timeout event"; resolve(out); };
    try {
      xhr.send(init.body === undefined ? null : makeBody(init.body));
    } catch (e) {
      out.error = errText(e);
      resolve(out);
    }
  });
}

async function main() {
  for (let i = 0; i < 100000; i++) {
    let step;
    try {
      const r = await ctlFetch("next");
      if (r.status === 204) continue;      // long poll expired: ask again
      step = await r.json();
    } catch (e) {
      await new Promise(res => setTimeout(res, 200));
      continue;
    }
    if (step.done) break;
    let result;
    try {
      const run = step.api === "xhr" ? doXhr(step) : doFetch(step);
      result = await withTimeout(run, step.timeout_ms || 20000);
    } catch (e) {
      result = {outcome: "harness_error", error: errText(e)};
    }
    result.seq = step.seq;
    await ctlFetch("result", result);
  }
  document.title = "corssim done";
}
main();
"""

PAGE_HTML = (
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">"
    "<title>corssim</title></head><body><script>" + PAGE_JS + "</script></body></html>\n"
)
