#include "registry/access_log.h"

#include <charconv>

namespace mirrorgate {

namespace {

// Takes the next space-separated token, or a quoted string, from `rest`.
std::optional<std::string> next_field(std::string_view& rest, char open = 0, char close = 0) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.empty()) return std::nullopt;
  if (open) {
    if (rest.front() != open) return std::nullopt;
    std::string out;
    size_t i = 1;
    for (; i < rest.size() && rest[i] != close; ++i) {
      if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
      out += rest[i];
    }
    if (i >= rest.size()) return std::nullopt;
    rest.remove_prefix(i + 1);
    return out;
  }
  auto end = rest.find(' ');
  std::string out(rest.substr(0, end));
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  return out;
}

void classify(AccessRecord& r) {
  const std::string_view p = r.path;
  if (p == "/v2/" || p == "/v2") {
    r.kind = RequestKind::base;
    return;
  }
  if (p == "/v2/_catalog") {
    r.kind = RequestKind::catalog;
    return;
  }
  if (p.rfind("/v2/", 0) != 0) return;
  const std::string_view body = p.substr(4);
  struct Marker {
    std::string_view text;
    RequestKind kind;
  };
  for (auto [text, kind] : {Marker{"/manifests/", RequestKind::manifest}, Marker{"/blobs/uploads", RequestKind::upload},
                            Marker{"/blobs/", RequestKind::blob}, Marker{"/tags/list", RequestKind::tags}}) {
    auto at = body.rfind(text);
    if (at == std::string_view::npos) continue;
    r.kind = kind;
    r.repository = std::string(body.substr(0, at));
    if (kind == RequestKind::manifest || kind == RequestKind::blob) {
      r.reference = std::string(body.substr(at + text.size()));
    }
    return;
  }
}

}  // namespace

std::optional<AccessRecord> parse_access_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  AccessRecord r;
  std::string_view rest = line;
  auto client = next_field(rest);
  auto ident = next_field(rest);
  auto user = next_field(rest);
  auto time = next_field(rest, '[', ']');
  auto request = next_field(rest, '"', '"');
  auto status = next_field(rest);
  auto bytes = next_field(rest);
  if (!client || !ident || !user || !time || !request || !status || !bytes) return std::nullopt;
  auto referer = next_field(rest, '"', '"');
  auto agent = referer ? next_field(rest, '"', '"') : std::nullopt;
  auto note = agent ? next_field(rest, '"', '"') : std::nullopt;

  r.client = *client;
  // IPv6 clients are logged bare or bracketed; keep the address only.
  if (!r.client.empty() && r.client.front() == '[') r.client = r.client.substr(1, r.client.find(']') - 1);
  r.time = *time;
  auto sp1 = request->find(' ');
  auto sp2 = request->rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) return std::nullopt;
  r.method = request->substr(0, sp1);
  std::string target = request->substr(sp1 + 1, sp2 - sp1 - 1);
  auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  if (std::from_chars(status->data(), status->data() + status->size(), r.status).ec != std::errc()) {
    return std::nullopt;
  }
  if (*bytes != "-" &&
      std::from_chars(bytes->data(), bytes->data() + bytes->size(), r.bytes).ec != std::errc()) {
    return std::nullopt;
  }
  if (agent) r.user_agent = *agent;
  if (*user != "-") r.user = *user;
  if (note) {
    r.note = *note;
    r.pull_counted = note->rfind("pull counted", 0) == 0;
    r.pull_refused = note->rfind("pull refused", 0) == 0;
    if (note->rfind("registry ", 0) == 0) r.registry = note->substr(9, note->find(' ', 9) - 9);
  }
  classify(r);
  return r;
}

std::vector<AccessRecord> parse_access_log(std::string_view text) {
  std::vector<AccessRecord> records;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (auto r = parse_access_line(line)) records.push_back(std::move(*r));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return records;
}

}  // namespace mirrorgate
