#include "registry/registry_client.h"

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>

namespace mirrorgate {

namespace {

std::string describe(const HttpResponse& r) {
  std::string body = r.body.size() > 500 ? r.body.substr(0, 500) + "…" : r.body;
  return "HTTP " + std::to_string(r.status) + (body.empty() ? "" : ": " + body);
}

}  // namespace

// Tokens by the scope they were issued for; the last one is tried first.
struct RegistryClient::Tokens {
  std::mutex mutex;
  std::map<std::string, std::string> by_scope;
  std::string last;
};

RegistryClient::RegistryClient(std::string base_url, HttpOptions options, Credentials credentials)
    : base_url_(std::move(base_url)), http_(std::move(options)), credentials_(std::move(credentials)),
      tokens_(std::make_shared<Tokens>()) {}

HttpResponse RegistryClient::send(const std::string& method, const std::string& url,
                                  std::map<std::string, std::string> headers, const std::string& body) const {
  std::string token;
  {
    std::lock_guard lock(tokens_->mutex);
    token = tokens_->last;
  }
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  auto r = http_.request(method, url, headers, body);
  if (r.status != 401) return r;
  const auto challenge = parse_bearer_challenge(r.header("www-authenticate"));
  if (!challenge) return r;
  headers.erase("Authorization");
  // request_with_token asks again, fetches the token the challenge names, and retries.
  auto retried = request_with_token(http_, method, url, headers, credentials_, body);
  if (auto auth = retried.header("x-mirrorgate-token"); !auth.empty()) {
    std::lock_guard lock(tokens_->mutex);
    tokens_->by_scope[challenge->scope] = auth;
    tokens_->last = auth;
  }
  return retried;
}

Probe RegistryClient::ping() const {
  try {
    auto r = http_.request("GET", url("/v2/"));
    if (r.status == 200 || r.status == 401) return Probe::yes();
    return Probe::no(base_url_ + "/v2/ answered " + describe(r));
  } catch (const HttpError& e) {
    return Probe::no(e.what());
  }
}

std::vector<std::string> RegistryClient::catalog() const {
  // distribution answers at most 1000 entries a page (more is a 400) and
  // points at the next page with a Link header.
  std::vector<std::string> repositories;
  std::string next = "/v2/_catalog?n=1000";
  while (!next.empty()) {
    auto r = send("GET", url(next));
    if (r.status != 200) throw HttpError("GET " + base_url_ + next + ": " + describe(r));
    auto page = nlohmann::json::parse(r.body).value("repositories", std::vector<std::string>{});
    repositories.insert(repositories.end(), page.begin(), page.end());
    next.clear();
    auto link = r.header("link");
    auto open = link.find('<'), close = link.find('>');
    if (open != std::string::npos && close != std::string::npos && link.find("rel=\"next\"") != std::string::npos) {
      next = link.substr(open + 1, close - open - 1);
    }
  }
  return repositories;
}

std::vector<std::string> RegistryClient::tags(const std::string& repository) const {
  auto r = send("GET", url("/v2/" + repository + "/tags/list"));
  if (r.status == 404) return {};
  if (r.status != 200) throw HttpError("GET tags of " + repository + ": " + describe(r));
  auto j = nlohmann::json::parse(r.body);
  if (!j.contains("tags") || j["tags"].is_null()) return {};
  return j["tags"].get<std::vector<std::string>>();
}

bool RegistryClient::has_blob(const std::string& repository, const std::string& digest) const {
  auto r = send("HEAD", url("/v2/" + repository + "/blobs/" + digest));
  return r.status == 200;
}

void RegistryClient::push_blob(const std::string& repository, const std::string& digest,
                               const std::filesystem::path& file, std::atomic<long long>* sent) const {
  auto start = send("POST", url("/v2/" + repository + "/blobs/uploads/"));
  if (start.status != 202) {
    throw HttpError("starting an upload to " + base_url_ + "/v2/" + repository + ": " + describe(start));
  }
  std::string location = start.header("location");
  if (location.empty()) throw HttpError("upload to " + repository + ": no Location header");
  if (location.rfind("http", 0) != 0) location = url(location);
  location += (location.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + digest;
  std::map<std::string, std::string> headers{{"Content-Type", "application/octet-stream"}};
  {
    std::lock_guard lock(tokens_->mutex);
    if (!tokens_->last.empty()) headers["Authorization"] = "Bearer " + tokens_->last;
  }
  auto done = http_.put_file(location, file, headers, sent);
  if (done.status != 201) {
    throw HttpError("uploading " + digest + " to " + repository + ": " + describe(done));
  }
}

bool RegistryClient::mount_blob(const std::string& repository, const std::string& digest, const std::string& from) const {
  auto r = send("POST", url("/v2/" + repository + "/blobs/uploads/?mount=" + digest + "&from=" + from));
  return r.status == 201;
}

std::optional<std::string> RegistryClient::manifest_digest(const std::string& repository,
                                                           const std::string& reference,
                                                           const std::string& accept) const {
  auto r = send("HEAD", url("/v2/" + repository + "/manifests/" + reference), {{"Accept", accept}});
  if (r.status != 200) return std::nullopt;
  return r.header("docker-content-digest");
}

void RegistryClient::put_manifest(const std::string& repository, const std::string& reference,
                                  const std::string& media_type, const std::string& body) const {
  auto r = send("PUT", url("/v2/" + repository + "/manifests/" + reference), {{"Content-Type", media_type}}, body);
  if (r.status != 201) {
    throw HttpError("PUT manifest " + repository + ":" + reference + ": " + describe(r));
  }
}

}  // namespace mirrorgate
