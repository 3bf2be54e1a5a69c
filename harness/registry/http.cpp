#include "registry/http.h"

#include "core/error.h"
#include "core/interrupt.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>

namespace mirrorgate {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string value = line.substr(colon + 1);
    auto first = value.find_first_not_of(" \t");
    auto last = value.find_last_not_of(" \t\r\n");
    (*headers)[name] = first == std::string::npos ? "" : value.substr(first, last - first + 1);
  }
  return size * n;
}

// The host and port a URL names, with the scheme's default port.
std::pair<std::string, std::string> host_and_port(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return {"", ""};
  char* host = nullptr;
  char* port = nullptr;
  curl_url_get(u.get(), CURLUPART_HOST, &host, 0);
  curl_url_get(u.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
  std::pair<std::string, std::string> out{host ? host : "", port ? port : ""};
  curl_free(host);
  curl_free(port);
  return out;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) { global_init(); }

namespace {

int abort_when_interrupted(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) { return interrupt_requested() ? 1 : 0; }

HttpResponse perform(const HttpOptions& options, const std::string& method, const std::string& url,
                     const std::map<std::string, std::string>& headers,
                     const std::function<void(CURL*)>& body_setup) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw HttpError("curl_easy_init failed");
  HttpResponse response;
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "mirrorgate");
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  if (options.low_speed_bytes > 0) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time.count()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
  // Registries are reached by address inside the lab; never through a proxy
  // that the user's environment may name.
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  if (!options.aws_sigv4.empty()) {
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, options.aws_sigv4.c_str());
    curl_easy_setopt(c, CURLOPT_USERPWD, options.user_password.c_str());
  }
  std::unique_ptr<curl_slist, SlistDeleter> resolve;
  for (const auto& entry : options.resolve) {
    resolve.reset(curl_slist_append(resolve.release(), entry.c_str()));
  }
  if (options.resolver) {
    const auto [host, port] = host_and_port(url);
    if (auto address = options.resolver(host)) {
      resolve.reset(curl_slist_append(resolve.release(), (host + ":" + port + ":" + *address).c_str()));
    }
  }
  if (resolve) curl_easy_setopt(c, CURLOPT_RESOLVE, resolve.get());
  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  for (const auto& [name, value] : headers) {
    header_list.reset(curl_slist_append(header_list.release(), (name + ": " + value).c_str()));
  }
  // curl would otherwise send "Expect: 100-continue" for large bodies. Not
  // with S3's signing: curl signs the emptied header it does not send, and
  // the store refuses the signature.
  if (options.aws_sigv4.empty()) header_list.reset(curl_slist_append(header_list.release(), "Expect:"));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());
  if (method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (options.stop_on_interrupt) {
    // curl asks about once a second, and on every chunk.
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_when_interrupted);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }
  if (body_setup) body_setup(c);
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_ABORTED_BY_CALLBACK && interrupt_requested()) throw Interrupted(method + " " + url);
  if (rc != CURLE_OK) {
    throw HttpError(method + " " + url + ": " + (error[0] ? error : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

struct Upload {
  FILE* in;
  std::atomic<long long>* sent;
};

size_t read_file_chunk(char* buffer, size_t size, size_t n, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t read = std::fread(buffer, size, n, upload->in) * size;
  if (upload->sent) *upload->sent += static_cast<long long>(read);
  return read;
}

}  // namespace

HttpResponse HttpClient::request(const std::string& method, const std::string& url,
                                 const std::map<std::string, std::string>& headers,
                                 const std::string& body) const {
  return perform(options_, method, url, headers, [&](CURL* c) {
    if (method == "PUT" || method == "POST" || method == "PATCH") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
  });
}

namespace {

size_t count_body(char*, size_t size, size_t n, void* user) {
  *static_cast<std::atomic<long long>*>(user) += static_cast<long long>(size * n);
  return size * n;
}

}  // namespace

HttpResponse HttpClient::get_counting(const std::string& url, const std::map<std::string, std::string>& headers,
                                      std::atomic<long long>* bytes) const {
  return perform(options_, "GET", url, headers, [&](CURL* c) {
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, bytes);
  });
}

HttpResponse HttpClient::put_file(const std::string& url, const std::filesystem::path& file,
                                  const std::map<std::string, std::string>& headers,
                                  std::atomic<long long>* sent) const {
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(file.c_str(), "rb"), std::fclose);
  if (!in) throw HttpError("cannot open " + file.string() + " to upload it");
  auto size = static_cast<curl_off_t>(std::filesystem::file_size(file));
  Upload upload{in.get(), sent};
  return perform(options_, "PUT", url, headers, [&](CURL* c) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_file_chunk);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, size);
  });
}

}  // namespace mirrorgate
