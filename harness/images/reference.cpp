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
  return ref;
}

}  // namespace mirrorgate
