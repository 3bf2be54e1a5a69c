#include "images/reference.h"

#include <regex>

namespace mirrorgate {

std::string ImageReference::str() const {
  std::string out = domain + "/" + repository;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string ImageReference::with_digest(const std::string& d) const { return domain + "/" + repository + "@" + d; }

namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// distribution's grammar: components of letters, digits and inner '-',
// joined by '.', then an optional ':PORT'. A scan, not a regex.
bool is_domain(const std::string& domain) {
  std::string host = domain;
  if (const auto colon = domain.find(':'); colon != std::string::npos) {
    const std::string port = domain.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
    host = domain.substr(0, colon);
  }
  size_t start = 0;
  while (true) {
    const auto dot = host.find('.', start);
    const std::string part = host.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty() || !is_alnum(part.front()) || !is_alnum(part.back())) return false;
    for (const char c : part) {
      if (!is_alnum(c) && c != '-') return false;
    }
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

std::optional<ImageReference> parse_reference(const std::string& text, std::string* why) {
  auto fail = [&](const std::string& reason) -> std::optional<ImageReference> {
    const std::string shown = text.size() > 80 ? text.substr(0, 60) + "…" : text;
    if (why) *why = "'" + shown + "' is not an image reference: " + reason;
    return std::nullopt;
  };
  if (text.empty()) return fail("empty");
  // distribution's limit for a repository name is 255; with a domain, a
  // 128-character tag and a digest no reference is near 512. A cap before
  // any regex: libstdc++'s matcher recurses per character.
  if (text.size() > kMaxReferenceLength) {
    return fail("longer than " + std::to_string(kMaxReferenceLength) + " characters");
  }
  ImageReference ref;
  std::string rest = text;
  if (auto at = rest.find('@'); at != std::string::npos) {
    ref.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    static const std::regex digest_re("^sha256:[0-9a-f]{64}$");
    if (!std::regex_match(ref.digest, digest_re)) return fail("digest must be sha256: and 64 hex digits");
  }
  // A tag follows the last ':' after the last '/'.
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    static const std::regex tag_re("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$");
    if (!std::regex_match(ref.tag, tag_re)) return fail("invalid tag '" + ref.tag + "'");
  }
  // The first component is a registry host when it has a '.' or ':' or is localhost.
  auto first_slash = rest.find('/');
  std::string first = rest.substr(0, first_slash);
  if (first_slash != std::string::npos &&
      (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost")) {
    ref.domain = first;
    ref.repository = rest.substr(first_slash + 1);
    if (!is_domain(ref.domain)) return fail("invalid registry host '" + ref.domain + "'");
  } else {
    ref.domain = "docker.io";
    ref.repository = rest;
  }
  if (ref.domain == "index.docker.io") ref.domain = "docker.io";
  if (ref.domain == "docker.io" && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  static const std::regex repo_re("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$");
  if (ref.repository.size() > 255) return fail("repository name longer than 255 characters");
  if (!std::regex_match(ref.repository, repo_re)) return fail("invalid repository name '" + ref.repository + "'");
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  // Normalizing adds docker.io/, library/ and :latest: what is printed must parse again.
  if (ref.str().size() > kMaxReferenceLength) {
    return fail("longer than " + std::to_string(kMaxReferenceLength) + " characters once normalized");
  }
  return ref;
}

}  // namespace mirrorgate
