// status_page.cpp - the status page: one HTML document with its CSS and script inline, so that it
// works without any other resource (and without a network beyond this server). The script renders
// the streams API's data with textContent only: stream paths, errors and user names are not trusted.
#include <string>

#include "server/http/status_api.h"

namespace {

// The streams URL goes into an attribute; the script reads it back from there, never from markup.
std::string html_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

constexpr const char* kHead = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>restreamer status</title>
)HTML";

constexpr const char* kBody = R"HTML(<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; background: #fafafa; }
h1 { font-size: 1.3em; }
section.stream { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .5em 1em; margin: 1em 0; }
h2 { font-size: 1.1em; margin: .3em 0; font-family: monospace; }
table { border-collapse: collapse; margin: .3em 0; }
th, td { text-align: left; padding: .15em .8em .15em 0; }
table.viewer-list td, table.viewer-list th { border-bottom: 1px solid #eee; font-family: monospace; }
.state-connected { color: #080; font-weight: bold; }
.state-failed, .state-offline { color: #b00; font-weight: bold; }
.state-starting { color: #a60; font-weight: bold; }
.state-idle { color: #666; }
#updated { color: #666; }
#error { color: #b00; }
</style>
</head>
<body>
<h1>restreamer status</h1>
<p><span id="updated">loading…</span> <span id="error"></span></p>
<div id="streams"></div>
)HTML";

constexpr const char* kScript = R"HTML(<script>
"use strict";
const streamsUrl = document.querySelector('meta[name="streams-url"]').getAttribute("content");

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function rate(value, unit) {
  if (value >= 1e6) return (value / 1e6).toFixed(2) + " M" + unit;
  if (value >= 1e3) return (value / 1e3).toFixed(1) + " k" + unit;
  return value + " " + unit;
}

function row(table, label, value, className) {
  const tr = table.insertRow();
  tr.appendChild(el("th", label));
  tr.appendChild(el("td", value, className));
}

function viewerTable(stream) {
  const table = el("table", undefined, "viewer-list");
  const head = table.createTHead().insertRow();
  for (const title of ["address", "user", "since", "bytes", "dropped"]) head.appendChild(el("th", title));
  const body = table.createTBody();
  for (const v of stream.viewer_list) {
    const tr = body.insertRow();
    for (const value of [v.address, v.user, v.since, v.bytes_sent, v.packets_dropped]) tr.appendChild(el("td", value));
  }
  return table;
}

function renderStream(stream) {
  const section = el("section", undefined, "stream");
  section.setAttribute("data-path", stream.path);
  section.appendChild(el("h2", stream.path, "path"));
  const table = el("table", undefined, "figures");
  row(table, "state", stream.state, "state state-" + stream.state);
  row(table, "upstream", stream.upstream, "upstream");
  row(table, "last error", stream.last_error, "last-error");
  row(table, "viewers", stream.viewers, "viewers");
  row(table, "input bitrate", rate(stream.input_bits_per_second, "bit/s"), "input-bitrate");
  row(table, "output bandwidth", rate(stream.output_bytes_per_second, "B/s"), "output-bandwidth");
  row(table, "dropped packets", stream.packets_dropped, "dropped");
  row(table, "CC errors", stream.cc_errors, "cc-errors");
  section.appendChild(table);
  if (stream.viewer_list.length > 0) section.appendChild(viewerTable(stream));
  if (stream.viewers_truncated) section.appendChild(el("p", "(only the first " + stream.viewer_list.length + " viewers are listed)"));
  return section;
}

async function refresh() {
  try {
    const response = await fetch(streamsUrl, {cache: "no-store", credentials: "same-origin"});
    if (!response.ok) throw new Error(streamsUrl + ": HTTP " + response.status);
    const streams = await response.json();
    document.getElementById("streams").replaceChildren(...streams.map(renderStream));
    document.getElementById("updated").textContent = "updated " + new Date().toISOString();
    document.getElementById("error").textContent = "";
  } catch (e) {
    document.getElementById("error").textContent = String(e);
  }
}

refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
)HTML";

}  // namespace

HttpReply status_page_reply(const std::string& streams_url) {
    HttpReply reply;
    reply.content_type = "text/html; charset=utf-8";
    reply.body = kHead;
    reply.body += "<meta name=\"streams-url\" content=\"" + html_escape(streams_url) + "\">\n";
    reply.body += kBody;
    reply.body += kScript;
    reply.headers.emplace_back("Cache-Control", "no-store");
    // The page needs nothing but itself and the streams API; injected markup could not load or send anything.
    reply.headers.emplace_back("Content-Security-Policy",
                               "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'");
    return reply;
}
