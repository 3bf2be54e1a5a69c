#include "registry/docker_hub.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <strings.h>

#include <memory>

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "core/error.h"

namespace mirrorgate {

namespace {

// key="value" pairs after the scheme, as RFC 7235 writes them.
std::map<std::string, std::string> auth_params(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
    const size_t eq = text.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = text.substr(i, eq - i);
    i = eq + 1;
    std::string value;
    if (i < text.size() && text[i] == '"') {
      const size_t close = text.find('"', i + 1);
      if (close == std::string::npos) break;
      value = text.substr(i + 1, close - i - 1);
      i = close + 1;
    } else {
      const size_t comma = std::min(text.find(',', i), text.size());
      value = text.substr(i, comma - i);
      i = comma;
    }
    out[key] = value;
  }
  return out;
}

std::string url_encode(const std::string& text) {
  std::unique_ptr<char, decltype(&curl_free)> escaped(curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size())),
                                                      &curl_free);
  return escaped ? escaped.get() : text;
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

// "100;w=21600" → 100 and 21600.
std::pair<int, int> count_and_window(const std::string& value) {
  int count = 0, window = 0;
  if (std::sscanf(value.c_str(), "%d;w=%d", &count, &window) < 1) return {-1, 0};
  return {count, window};
}

}  // namespace

std::optional<BearerChallenge> parse_bearer_challenge(const std::string& header) {
  if (header.size() < 7 || strncasecmp(header.c_str(), "Bearer ", 7) != 0) return std::nullopt;
  auto params = auth_params(header.substr(7));
  if (params["realm"].empty()) return std::nullopt;
  return BearerChallenge{params["realm"], params["service"], params["scope"]};
}

HttpResponse request_with_token(const HttpClient& http, const std::string& method, const std::string& url,
                                std::map<std::string, std::string> headers, const Credentials& credentials,
                                const std::string& body) {
  auto response = http.request(method, url, headers, body);
  if (response.status != 401) return response;
  const auto challenge = parse_bearer_challenge(response.header("www-authenticate"));
  if (!challenge) return response;
  std::string token_url = challenge->realm + "?service=" + url_encode(challenge->service);
  if (!challenge->scope.empty()) token_url += "&scope=" + url_encode(challenge->scope);
  std::map<std::string, std::string> token_headers;
  if (!credentials.empty()) {
    token_headers["Authorization"] = "Basic " + base64(credentials.username + ":" + credentials.password);
  }
  const auto token_response = http.request("GET", token_url, token_headers);
  if (token_response.status != 200) {
    throw HttpError("the token service " + challenge->realm + " answered HTTP " + std::to_string(token_response.status) +
                    (credentials.empty() ? " to an anonymous request" : " to " + credentials.username + "'s credentials") +
                    ": " + token_response.body.substr(0, 300));
  }
  const auto j = nlohmann::json::parse(token_response.body, nullptr, false);
  std::string token = j.is_object() ? j.value("token", j.value("access_token", "")) : "";
  if (token.empty()) throw HttpError("the token service " + challenge->realm + " gave no token");
  headers["Authorization"] = "Bearer " + token;
  auto retried = http.request(method, url, headers, body);
  // The caller may keep the token for its next requests of the same scope.
  retried.headers["x-mirrorgate-token"] = token;
  return retried;
}

PullQuota pull_quota_of(const HttpResponse& response) {
  PullQuota q;
  const auto limit = count_and_window(response.header("ratelimit-limit"));
  const auto remaining = count_and_window(response.header("ratelimit-remaining"));
  if (limit.first < 0 || remaining.first < 0) return q;
  q.known = true;
  q.limit = limit.first;
  q.window_seconds = limit.second;
  q.remaining = remaining.first;
  q.source = response.header("docker-ratelimit-source");
  return q;
}

QuotaLimit parse_quota(const std::string& text, const std::string& flag) {
  const auto fail = [&] {
    return bad_flag(flag + " " + text, "expected PULLS/WINDOW, e.g. 100/6h, 10/1h or 200/21600s");
  };
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 2 > text.size()) throw fail();
  char* end = nullptr;
  const long pulls = std::strtol(text.c_str(), &end, 10);
  if (end != text.c_str() + slash || pulls < 0 || pulls > 1'000'000) throw fail();
  const std::string window = text.substr(slash + 1);
  const long amount = std::strtol(window.c_str(), &end, 10);
  const std::string unit(end);
  if (end == window.c_str() || amount <= 0 || amount > 1'000'000) throw fail();
  long seconds = 0;
  if (unit == "s") seconds = amount;
  else if (unit == "m") seconds = amount * 60;
  else if (unit == "h") seconds = amount * 3600;
  else throw fail();
  return {static_cast<int>(pulls), std::chrono::seconds(seconds)};
}

std::string format_quota(const QuotaLimit& limit) {
  const auto s = limit.window.count();
  const std::string window = s % 3600 == 0 ? std::to_string(s / 3600) + "h" : s % 60 == 0 ? std::to_string(s / 60) + "m"
                                                                                          : std::to_string(s) + "s";
  return std::to_string(limit.pulls) + "/" + window;
}

}  // namespace mirrorgate
