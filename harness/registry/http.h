// A small libcurl client for the registry HTTP API (distribution v2).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mirrorgate {

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const;
};

struct HttpOptions {
  std::filesystem::path ca_file;               // trust this CA (empty: system store)
  std::vector<std::string> resolve;            // curl "HOST:PORT:ADDRESS" overrides
  // Resolves a URL's host the way another network namespace does (see
  // core/netns.h); nullopt leaves it to the system resolver.
  std::function<std::optional<std::string>(const std::string& host)> resolver;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // the whole request; 0: none
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(5)};
  // A transfer slower than low_speed_bytes per second for low_speed_time
  // fails (curl's low-speed limit); 0: no such limit. With timeout 0, a large
  // layer over a slow link takes as long as it needs while it moves.
  long low_speed_bytes = 0;
  std::chrono::seconds low_speed_time{30};
  // A Ctrl-C (core/interrupt.h) aborts the transfer at once and the request
  // throws Interrupted: for long transfers of a step the user may stop
  // (seeding, prewarm), not for teardown's own requests.
  bool stop_on_interrupt = false;
  // S3's request signing (curl's CURLOPT_AWS_SIGV4, e.g.
  // "aws:amz:us-east-1:s3") with user_password "ACCESS:SECRET"; empty: none.
  std::string aws_sigv4;
  std::string user_password;
};

class HttpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});

  // Throws HttpError when no HTTP answer came (connection refused, timeout,
  // TLS failure), naming the URL; any HTTP status is returned.
  HttpResponse request(const std::string& method, const std::string& url,
                       const std::map<std::string, std::string>& headers = {},
                       const std::string& body = {}) const;
  // GET whose body is counted and dropped (blobs can be gigabytes); the
  // response's body stays empty and the body's size is added to `bytes` as
  // it arrives (another thread may watch it for progress).
  HttpResponse get_counting(const std::string& url, const std::map<std::string, std::string>& headers,
                            std::atomic<long long>* bytes) const;
  // PUT the file's content as the request body, streamed from disk; the
  // bytes sent are added to `sent` (when given) as they go.
  HttpResponse put_file(const std::string& url, const std::filesystem::path& file,
                        const std::map<std::string, std::string>& headers = {},
                        std::atomic<long long>* sent = nullptr) const;

 private:
  HttpOptions options_;
};

}  // namespace mirrorgate
