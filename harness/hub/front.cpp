#include "hub/front.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <ctime>
#include <fstream>
#include <limits>
#include <iostream>
#include <mutex>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "hub/token.h"
#include "hub/worlds.h"

namespace mirrorgate {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr size_t kRelayChunk = 64 * 1024;

// How long a blob URL on the CDN host stays valid.
constexpr std::time_t kBlobUrlSeconds = 20 * 60;

// A token of a world's own token service (quay.io, ghcr.io): opaque to its
// clients, as theirs are; remembered with what it may pull and until when.
struct WorldToken {
  const World* world = nullptr;
  std::set<std::string> repositories;
  std::time_t expires = 0;
};

struct Front {
  const FrontOptions& options;
  TokenService tokens;
  QuotaBook quota;
  std::mutex log_mutex;
  std::string url_key;  // signs blob URLs; random per process
  std::mutex world_tokens_mutex;
  std::map<std::string, WorldToken> world_tokens;
};

std::string hex(const unsigned char* bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

std::string url_signature(const Front& front, const std::string& what) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), front.url_key.data(), static_cast<int>(front.url_key.size()),
       reinterpret_cast<const unsigned char*>(what.data()), what.size(), mac, &n);
  return hex(mac, n);
}

// A blob URL on a blob host: its path, then the repository (as the hub
// stores it), an expiry and a signature over the three.
std::string signed_blob_url(const Front& front, const std::string& host, const std::string& path,
                            const std::string& repository) {
  const std::string expires = std::to_string(std::time(nullptr) + kBlobUrlSeconds);
  return "https://" + host + path + "?repository=" + repository + "&expires=" + expires +
         "&signature=" + url_signature(front, path + "|" + repository + "|" + expires);
}

// The path and repository of a signed, unexpired blob URL; nullopt otherwise.
std::optional<std::pair<std::string, std::string>> check_signed_blob_url(const Front& front, const std::string& target) {
  static const std::regex form(
      R"(^(/[A-Za-z0-9._/:-]+)\?repository=([a-z0-9._/-]+)&expires=([0-9]{1,12})&signature=([0-9a-f]{64})$)");
  std::smatch m;
  if (!std::regex_match(target, m, form)) return std::nullopt;
  if (std::stoll(m[3].str()) < std::time(nullptr)) return std::nullopt;
  if (url_signature(front, m[1].str() + "|" + m[2].str() + "|" + m[3].str()) != m[4].str()) return std::nullopt;
  return std::make_pair(m[1].str(), m[2].str());
}

// Docker Hub's CDN path of a blob, and back.
std::string docker_hub_blob_path(const std::string& digest_hex) {
  return "/registry-v2/docker/registry/v2/blobs/sha256/" + digest_hex.substr(0, 2) + "/" + digest_hex + "/data";
}
std::optional<std::string> docker_hub_blob_digest(const std::string& path) {
  static const std::regex form(R"(^/registry-v2/docker/registry/v2/blobs/sha256/([0-9a-f]{2})/([0-9a-f]{64})/data$)");
  std::smatch m;
  if (!std::regex_match(path, m, form) || m[2].str().compare(0, 2, m[1].str()) != 0) return std::nullopt;
  return m[2].str();
}

// The CDN URL a Docker Hub blob GET is redirected to.
std::string blob_url(const Front& front, const std::string& repository, const std::string& digest_hex) {
  return signed_blob_url(front, kDockerHubBlobHost, docker_hub_blob_path(digest_hex), repository);
}

// One access-log line (Apache combined), as distribution writes them.
// A last quoted field says what the quota made of a manifest request:
// "pull counted N/LIMIT" or "pull refused 0/LIMIT".
void log_request(Front& front, const std::string& client, const std::string& user, const std::string& method,
                 const std::string& target, int version, int status, unsigned long long bytes, const std::string& agent,
                 const std::string& quota = "") {
  char when[40];
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", std::gmtime(&now));
  std::lock_guard lock(front.log_mutex);
  std::cout << client << " - " << (user.empty() ? "-" : user) << " [" << when << "] \"" << method << " " << target
            << " HTTP/" << version / 10 << "." << version % 10 << "\" " << status << " " << bytes << " \"\" \"" << agent
            << "\"" << (quota.empty() ? "" : " \"" + quota + "\"") << std::endl;
}

std::string without_port(std::string host) {
  if (const auto colon = host.find(':'); colon != std::string::npos) host.resize(colon);
  return host;
}

// Moves a message's body from `in` to `out` through a small buffer, whatever
// its size or transfer encoding; returns the body bytes moved.
template <bool isRequest, class In, class Out>
unsigned long long relay_body(In& in, beast::flat_buffer& buffer, http::parser<isRequest, http::buffer_body>& p, Out& out,
                              http::serializer<isRequest, http::buffer_body>& sr, beast::error_code& ec) {
  std::vector<char> chunk(kRelayChunk);
  unsigned long long moved = 0;
  do {
    if (!p.is_done()) {
      p.get().body().data = chunk.data();
      p.get().body().size = chunk.size();
      http::read(in, buffer, p, ec);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return moved;
      p.get().body().size = chunk.size() - p.get().body().size;
      p.get().body().data = chunk.data();
      p.get().body().more = !p.is_done();
      moved += p.get().body().size;
    } else {
      p.get().body().data = nullptr;
      p.get().body().size = 0;
    }
    http::write(out, sr, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return moved;
  } while (!p.is_done() && !sr.is_done());
  return moved;
}

template <class Stream>
void answer(Stream& stream, unsigned version, bool keep_alive, http::status status, const std::string& body,
            const std::vector<std::pair<std::string, std::string>>& headers, beast::error_code& ec) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) res.set(name, value);
  res.body() = body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  http::write(stream, res, ec);
}

// The answer to a HEAD: the GET's headers, its length, no body (a body
// there is read as the start of the next answer on the connection).
template <class Stream>
void answer_head(Stream& stream, unsigned version, bool keep_alive, http::status status, const std::string& body,
                 const std::vector<std::pair<std::string, std::string>>& headers, beast::error_code& ec) {
  http::response<http::empty_body> res{status, version};
  res.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.content_length(body.size());
  http::response_serializer<http::empty_body> sr{res};
  http::write_header(stream, sr, ec);
}

std::vector<std::pair<std::string, std::string>> quota_headers(const QuotaAnswer& q, const std::string& source) {
  const std::string w = ";w=" + std::to_string(q.window_seconds);
  return {{"ratelimit-limit", std::to_string(q.limit) + w},
          {"ratelimit-remaining", std::to_string(q.remaining) + w},
          {"docker-ratelimit-source", source}};
}

bool is_index(const std::string& content_type) {
  return content_type.find("manifest.list") != std::string::npos || content_type.find("image.index") != std::string::npos;
}

using TlsStream = beast::ssl_stream<tcp::socket>;

// auth.docker.io/token
bool serve_token(Front& front, TlsStream& stream, http::request_parser<http::buffer_body>& parser,
                 const std::string& client) {
  auto& req = parser.get();
  const std::string target(req.target());
  const auto q = target.find('?');
  const auto grant =
      front.tokens.issue(q == std::string::npos ? "" : target.substr(q + 1), std::string(req[http::field::authorization]));
  beast::error_code ec;
  answer(stream, req.version(), req.keep_alive(), static_cast<http::status>(grant.status), grant.body, {}, ec);
  // The query names only service and scope; credentials travel in a header.
  log_request(front, client, grant.account, std::string(req.method_string()), target, req.version(), grant.status,
              grant.body.size(), std::string(req[http::field::user_agent]));
  return !ec && req.keep_alive();
}

// One client connection to the front: its TLS stream and read buffer, and
// the connection to the hub's docker-registry its requests are relayed on.
struct Connection {
  Front& front;
  TlsStream& stream;
  beast::flat_buffer& buffer;
  std::optional<tcp::socket>& backend;
  beast::flat_buffer& backend_buffer;
  std::string client;  // its address, as the log names it

  // (Re)connects to the hub's docker-registry when the connection is gone.
  bool connect_backend(beast::error_code& error) {
    if (backend && backend->is_open()) return true;
    backend.emplace(stream.get_executor());
    backend->connect({net::ip::make_address(front.options.backend_address), front.options.backend_port}, error);
    if (!error) backend->set_option(tcp::no_delay(true), error);
    return !error;
  }
};

// One request to registry-1.docker.io, as read off the connection.
struct RegistryRequest {
  http::request_parser<http::buffer_body>& parser;
  std::string target, path, account, identity, agent;
  bool manifest = false, get = false;
  // Docker Hub's own request: only those count against its pull quota.
  bool docker_hub = true;

  http::request<http::buffer_body>& req() { return parser.get(); }
  void log(Connection& c, unsigned status, unsigned long long bytes, const std::string& note = "") {
    log_request(c.front, c.client, account, std::string(req().method_string()), target, req().version(), status, bytes,
                agent, note);
  }
};

RegistryRequest read_registry_request(http::request_parser<http::buffer_body>& parser, const std::string& client) {
  static const std::regex manifest_path(R"(^/v2/.+/manifests/[^/]+$)");
  RegistryRequest r{parser, std::string(parser.get().target()), "", "", "", "", false, false, true};
  auto& req = parser.get();
  r.path = r.target.substr(0, r.target.find('?'));
  r.manifest = std::regex_match(r.path, manifest_path);
  r.get = req.method() == http::verb::get;
  r.account = token_subject(std::string(req[http::field::authorization]));
  r.identity = quota_identity(r.account, client);
  r.agent = std::string(req[http::field::user_agent]);
  return r;
}

// A manifest GET over the identity's quota: 429 TOOMANYREQUESTS, as Docker
// Hub answers it. nullopt when the pull may go on; else whether the
// connection goes on.
std::optional<bool> refuse_over_quota(Connection& c, RegistryRequest& r) {
  if (!r.manifest || !r.get) return std::nullopt;
  const auto q = c.front.quota.peek(r.identity, !r.account.empty());
  if (q.allowed) return std::nullopt;
  auto headers = quota_headers(q, r.identity);
  headers.emplace_back("retry-after", std::to_string(q.reset.count()));
  const std::string body =
      nlohmann::json{{"errors", {{{"code", "TOOMANYREQUESTS"},
                                  {"message", std::string("You have reached your ") +
                                                  (r.account.empty() ? "unauthenticated" : "authenticated") +
                                                  " pull rate limit. https://www.docker.com/increase-rate-limit"}}}}}
          .dump();
  beast::error_code ec;
  answer(c.stream, r.req().version(), r.req().keep_alive(), http::status::too_many_requests, body, headers, ec);
  r.log(c, 429, body.size(),
        "pull refused " + std::to_string(q.remaining) + "/" + std::to_string(q.limit) + " window " +
            std::to_string(q.window_seconds) + "s reset " + std::to_string(q.reset.count()) + "s");
  return !ec && r.req().keep_alive();
}

// Docker Hub checks the token and the blob, then sends the client to its
// CDN: the same question to the hub as a HEAD, and a redirect to `location`
// when it is yes (quay.io and ghcr.io do the same with their own hosts and
// status). nullopt when the hub said no: its own answer to the GET follows
// (401, 404…); else whether the connection goes on.
std::optional<bool> redirect_blob(Connection& c, RegistryRequest& r, const std::string& location, http::status status,
                                  const std::string& note = "") {
  auto& req = r.req();
  beast::error_code ec;
  http::request<http::empty_body> head{http::verb::head, std::string(req.target()), 11};
  head.set(http::field::host, req[http::field::host]);
  head.set("X-Forwarded-Proto", "https");
  if (req.count(http::field::authorization)) head.set(http::field::authorization, req[http::field::authorization]);
  http::write(*c.backend, head, ec);
  http::response_parser<http::empty_body> head_parser;
  head_parser.skip(true);
  if (!ec) http::read(*c.backend, c.backend_buffer, head_parser, ec);
  if (ec) {
    std::cerr << c.client << " " << r.target << ": asking the hub for the blob failed: " << ec.message() << std::endl;
    return false;
  }
  if (!head_parser.get().keep_alive()) c.backend.reset();
  if (head_parser.get().result_int() == 200) {
    answer(c.stream, req.version(), req.keep_alive(), status, "", {{"location", location}}, ec);
    r.log(c, static_cast<unsigned>(status), 0, note);
    return !ec && req.keep_alive();
  }
  if (!c.connect_backend(ec)) return false;
  return std::nullopt;
}

// The request relayed to the hub and its answer back, a manifest's pull
// counted against the identity's quota (with Docker Hub's headers).
bool relay_to_hub(Connection& c, RegistryRequest& r, const std::string& via) {
  auto& req = r.req();
  beast::error_code ec;
  http::serializer<true, http::buffer_body> req_sr{req};
  http::write_header(*c.backend, req_sr, ec);
  if (!ec) relay_body(c.stream, c.buffer, r.parser, *c.backend, req_sr, ec);
  if (ec) {
    std::cerr << c.client << " " << r.target << ": relaying the request failed: " << ec.message() << std::endl;
    return false;
  }
  http::response_parser<http::buffer_body> res_parser;
  res_parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // Beast 1.74 compares a content length with an empty limit as exceeding it
  if (req.method() == http::verb::head) res_parser.skip(true);
  http::read_header(*c.backend, c.backend_buffer, res_parser, ec);
  if (ec) {
    std::cerr << c.client << " " << r.target << ": reading the hub's answer failed: " << ec.message() << std::endl;
    return false;
  }
  auto& res = res_parser.get();
  std::string quota_note;
  if (r.docker_hub && r.manifest && res.result_int() == 200) {
    // A pull is a GET of an image manifest; an index leads to one per platform.
    const bool counted = r.get && !is_index(std::string(res[http::field::content_type]));
    const auto q = counted ? c.front.quota.pull(r.identity, !r.account.empty())
                           : c.front.quota.peek(r.identity, !r.account.empty());
    for (const auto& [name, value] : quota_headers(q, r.identity)) res.set(name, value);
    if (counted) quota_note = "pull counted " + std::to_string(q.remaining) + "/" + std::to_string(q.limit);
  }
  http::serializer<false, http::buffer_body> res_sr{res};
  http::write_header(c.stream, res_sr, ec);
  unsigned long long bytes = 0;
  if (!ec && req.method() != http::verb::head) bytes = relay_body(*c.backend, c.backend_buffer, res_parser, c.stream, res_sr, ec);
  r.log(c, res.result_int(), bytes, via.empty() ? quota_note : via);
  if (!res.keep_alive()) c.backend.reset();
  return !ec && req.keep_alive();
}

// registry-1.docker.io: relayed to the hub, pulls counted; whether the
// connection goes on. Blob GETs are redirected to the CDN host only when
// `redirect_blobs`; `via`: a note for the log (the CDN host's requests).
bool serve_registry(Connection& c, http::request_parser<http::buffer_body>& parser, bool redirect_blobs,
                    const std::string& via = "") {
  static const std::regex blob_path(R"(^/v2/([a-z0-9._/-]+)/blobs/sha256:([0-9a-f]{64})$)");
  auto r = read_registry_request(parser, c.client);
  if (auto refused = refuse_over_quota(c, r)) return *refused;
  beast::error_code ec;
  if (!c.connect_backend(ec)) {
    answer(c.stream, r.req().version(), false, http::status::bad_gateway, "{\"errors\":[{\"code\":\"UNAVAILABLE\"}]}", {}, ec);
    r.log(c, 502, 0);
    return false;
  }
  r.req().set("X-Forwarded-Proto", "https");
  if (std::smatch blob; redirect_blobs && r.get && std::regex_match(r.path, blob, blob_path)) {
    if (auto redirected = redirect_blob(c, r, blob_url(c.front, blob[1].str(), blob[2].str()),
                                        http::status::temporary_redirect)) {
      return *redirected;
    }
  }
  return relay_to_hub(c, r, via);
}

// A token of the hub's own for pulling `repository` (as the hub stores it):
// the front's way in for the CDN hosts and the other worlds.
std::string hub_pull_token(Front& front, const std::string& repository) {
  const auto grant = front.tokens.issue("service=" + std::string(kTokenService) + "&scope=repository:" + repository + ":pull", "");
  return "Bearer " + nlohmann::json::parse(grant.body).at("token").get<std::string>();
}

// A blob host (Docker Hub's CDN, quay's, ghcr's): a blob for a signed URL,
// fetched from the hub with a token of the front's own. `note` marks its
// lines in the log ("cdn", "registry quay.io cdn cdn01.quay.io").
bool serve_blob_host(Connection& c, http::request_parser<http::buffer_body>& parser, const World* world,
                     const std::string& note) {
  auto& req = parser.get();
  const std::string target(req.target());
  std::optional<std::pair<std::string, std::string>> blob;  // repository, digest hex
  if (req.method() == http::verb::get || req.method() == http::verb::head) {
    if (auto signed_url = check_signed_blob_url(c.front, target)) {
      auto hex = world ? world_blob_digest(*world, signed_url->first) : docker_hub_blob_digest(signed_url->first);
      if (hex) blob = std::make_pair(signed_url->second, *hex);
    }
  }
  if (!blob) {
    beast::error_code ec;
    const std::string body = "<Error><Code>AccessDenied</Code><Message>not a signed blob URL, or expired</Message></Error>";
    answer(c.stream, req.version(), req.keep_alive(), http::status::forbidden, body, {}, ec);
    log_request(c.front, c.client, "", std::string(req.method_string()), target.substr(0, target.find('?')), req.version(),
                403, body.size(), std::string(req[http::field::user_agent]), note);
    return !ec && req.keep_alive();
  }
  const auto [repository, digest_hex] = *blob;
  req.target("/v2/" + repository + "/blobs/sha256:" + digest_hex);
  req.set(http::field::authorization, hub_pull_token(c.front, repository));
  return serve_registry(c, parser, false, note);
}

// A world's token service (quay.io/v2/auth, ghcr.io/token): anonymous pull
// of the scopes asked for, as an opaque token the front remembers.
bool serve_world_token(Connection& c, RegistryRequest& r, const World& world) {
  const auto q = r.target.find('?');
  const auto asked = pull_scope_repositories(q == std::string::npos ? "" : r.target.substr(q + 1));
  const std::set<std::string> repositories(asked.begin(), asked.end());
  unsigned char raw[24];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("no random bytes for a " + world.api_host + " token");
  const std::string token = hex(raw, sizeof raw);
  {
    std::lock_guard lock(c.front.world_tokens_mutex);
    const std::time_t now = std::time(nullptr);
    for (auto it = c.front.world_tokens.begin(); it != c.front.world_tokens.end();) {
      it = it->second.expires < now ? c.front.world_tokens.erase(it) : std::next(it);
    }
    c.front.world_tokens[token] = {&world, repositories, now + 300};
  }
  const std::string body = nlohmann::json{{"token", token}}.dump();
  beast::error_code ec;
  answer(c.stream, r.req().version(), r.req().keep_alive(), http::status::ok, body, {}, ec);
  r.log(c, 200, body.size(), "registry " + world.registry);
  return !ec && r.req().keep_alive();
}

// Whether the request's bearer token is one of the world's, unexpired, for
// `repository` (any, when empty: /v2/).
bool world_token_allows(Front& front, const RegistryRequest& r, const World& world, const std::string& repository) {
  const std::string auth(r.parser.get()[http::field::authorization]);
  if (auth.rfind("Bearer ", 0) != 0) return false;
  std::lock_guard lock(front.world_tokens_mutex);
  const auto it = front.world_tokens.find(auth.substr(7));
  if (it == front.world_tokens.end() || it->second.world != &world || it->second.expires < std::time(nullptr)) return false;
  return repository.empty() || it->second.repositories.count(repository) > 0;
}

bool answer_world(Connection& c, RegistryRequest& r, const World& world, http::status status, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
  beast::error_code ec;
  if (r.req().method() == http::verb::head) {
    answer_head(c.stream, r.req().version(), r.req().keep_alive(), status, body, headers, ec);
  } else {
    answer(c.stream, r.req().version(), r.req().keep_alive(), status, body, headers, ec);
  }
  r.log(c, static_cast<unsigned>(status), body.size(), "registry " + world.registry);
  return !ec && r.req().keep_alive();
}

// quay.io, ghcr.io, registry.k8s.io and its Artifact Registry (hub/worlds.h),
// as each answers; their images come from the hub, under the registry's name.
bool serve_world(Connection& c, http::request_parser<http::buffer_body>& parser, const World& world) {
  auto r = read_registry_request(parser, c.client);
  r.docker_hub = false;
  const std::string note = "registry " + world.registry;
  if (!world.redirect_to.empty()) {
    if (r.path.rfind("/v2", 0) != 0 || r.path == "/v2/_catalog") {
      return answer_world(c, r, world, http::status::not_found, "404 page not found\n", {});
    }
    return answer_world(c, r, world, http::status::temporary_redirect, "",
                        {{"location", world_redirect_url(world, r.target)}});
  }
  std::string base = "/v2/" + world.path_prefix;
  while (base.size() > 4 && base.back() == '/') base.pop_back();
  const bool bearer = world.auth == WorldAuth::bearer;
  if (bearer && r.path == world.realm_path) return serve_world_token(c, r, world);
  if (r.path == "/v2/" || r.path == "/v2" || r.path == base) {
    if (!bearer || world_token_allows(c.front, r, world, "")) {
      return answer_world(c, r, world, http::status::ok, bearer ? "true" : "{}", {});
    }
    return answer_world(c, r, world, http::status::unauthorized,
                        R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]})",
                        {{"www-authenticate", world_challenge(world, "")}});
  }
  const auto split = split_world_path(world, r.path);
  if (!split) {
    return answer_world(c, r, world, http::status::not_found,
                        R"({"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]})", {});
  }
  if (bearer && !world_token_allows(c.front, r, world, split->repository)) {
    return answer_world(c, r, world, http::status::unauthorized,
                        R"({"errors":[{"code":"UNAUTHORIZED","message":"access to the requested resource is not authorized","detail":null}]})",
                        {{"www-authenticate", world_challenge(world, "repository:" + split->repository + ":pull")}});
  }
  const std::string stored = stored_repository(world, split->repository);
  const auto q = r.target.find('?');
  r.req().target("/v2/" + stored + split->rest + (q == std::string::npos ? "" : r.target.substr(q)));
  r.req().set(http::field::authorization, hub_pull_token(c.front, stored));
  beast::error_code ec;
  if (!c.connect_backend(ec)) {
    return answer_world(c, r, world, http::status::bad_gateway, "{\"errors\":[{\"code\":\"UNAVAILABLE\"}]}", {});
  }
  r.req().set("X-Forwarded-Proto", "https");
  static const std::regex blob(R"(^/blobs/sha256:([0-9a-f]{64})$)");
  if (std::smatch m; !world.blob_host.empty() && r.get && std::regex_match(split->rest, m, blob)) {
    // As Docker Hub: the blob asked of the hub first, then the client sent
    // to the world's blob host with a signed URL.
    const std::string location = signed_blob_url(c.front, world.blob_host, world_blob_path(world, m[1].str()), stored);
    if (auto redirected = redirect_blob(c, r, location, static_cast<http::status>(world.blob_redirect), note)) {
      return *redirected;
    }
  }
  return relay_to_hub(c, r, note);
}

void session(Front& front, tcp::socket socket, ssl::context& tls) {
  beast::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  std::string client = ec ? "?" : peer.address().to_string();
  if (client.rfind("::ffff:", 0) == 0) client = client.substr(7);
  // A header and its body go out as two writes: without this, Nagle holds
  // the body until the client's delayed ACK (40 ms on Linux), on every answer.
  socket.set_option(tcp::no_delay(true), ec);
  TlsStream stream(std::move(socket), tls);
  stream.handshake(ssl::stream_base::server, ec);
  if (ec) return;
  beast::flat_buffer buffer, backend_buffer;
  std::optional<tcp::socket> backend;
  Connection connection{front, stream, buffer, backend, backend_buffer, client};
  for (bool more = true; more;) {
    http::request_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // Beast 1.74 compares a content length with an empty limit as exceeding it
    http::read_header(stream, buffer, parser, ec);
    if (ec) break;
    const auto host = without_port(std::string(parser.get()[http::field::host]));
    if (host == "auth.docker.io") {
      more = serve_token(front, stream, parser, client);
    } else if (host == kDockerHubBlobHost) {
      more = serve_blob_host(connection, parser, nullptr, "cdn");
    } else if (const World* world = world_at(host)) {
      more = serve_world(connection, parser, *world);
    } else if (const World* world = world_of_blob_host(host)) {
      more = serve_blob_host(connection, parser, world, "registry " + world->registry + " cdn " + host);
    } else {
      more = serve_registry(connection, parser, true);
    }
  }
  stream.shutdown(ec);
}

}  // namespace

void run_front(const FrontOptions& o) {
  Front front{o, TokenService(o.token_key, o.token_cert, load_accounts(o.accounts)), QuotaBook(o.anonymous, o.account), {}, {}, {}, {}};
  front.url_key.resize(32);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(front.url_key.data()), 32) != 1) {
    throw std::runtime_error("no random bytes for the blob URL key");
  }
  ssl::context tls(ssl::context::tls_server);
  tls.use_certificate_chain_file(o.tls_cert.string());
  tls.use_private_key_file(o.tls_key.string(), ssl::context::pem);
  net::io_context io;
  tcp::acceptor acceptor(io, {net::ip::make_address(o.listen_address), o.listen_port});
  std::cerr << "hub front listening on " << o.listen_address << ":" << o.listen_port << ", relaying to "
            << o.backend_address << ":" << o.backend_port << "; quota " << format_quota(o.anonymous) << " anonymous, "
            << format_quota(o.account) << " per account" << std::endl;
  for (;;) {
    tcp::socket socket(io);
    acceptor.accept(socket);
    std::thread([&front, &tls, s = std::move(socket)]() mutable { session(front, std::move(s), tls); }).detach();
  }
}

}  // namespace mirrorgate
