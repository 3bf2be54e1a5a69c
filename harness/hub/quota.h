// Docker Hub's pull quota, as the stand-in counts it (docs.docker.com,
// docker-hub/usage/pulls): a pull is a GET of a manifest (a HEAD is not, nor
// is a blob); anonymous pulls are counted per IPv4 address or IPv6 /64,
// authenticated ones per account; each identity has `limit` pulls per
// sliding `window`. The answers carry ratelimit-limit / ratelimit-remaining
// ("N;w=SECONDS") and docker-ratelimit-source; a pull over the limit is
// answered 429 TOOMANYREQUESTS.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "registry/docker_hub.h"

namespace mirrorgate {

// Who a pull is counted for: the account, else the client's address (an
// IPv6 address by its /64).
std::string quota_identity(const std::string& account, const std::string& client_address);

struct QuotaAnswer {
  bool allowed = false;
  int limit = 0;
  int remaining = 0;  // after this pull, when allowed
  int window_seconds = 0;
  std::chrono::seconds reset{0};  // until the oldest counted pull leaves the window
};

class QuotaBook {
 public:
  using Clock = std::chrono::steady_clock;
  QuotaBook(QuotaLimit anonymous, QuotaLimit account) : anonymous_(anonymous), account_(account) {}

  // A manifest GET: counted when the identity has a pull left.
  QuotaAnswer pull(const std::string& identity, bool authenticated, Clock::time_point now = Clock::now());
  // What is left, without counting (HEAD requests and other answers).
  QuotaAnswer peek(const std::string& identity, bool authenticated, Clock::time_point now = Clock::now());

 private:
  QuotaAnswer answer(std::deque<Clock::time_point>& pulls, const QuotaLimit& limit, Clock::time_point now, bool count);
  QuotaLimit anonymous_, account_;
  std::mutex mutex_;
  std::map<std::string, std::deque<Clock::time_point>> pulls_;
};

}  // namespace mirrorgate
