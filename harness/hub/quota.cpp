#include "hub/quota.h"

#include <arpa/inet.h>

#include <cstdlib>

#include "core/error.h"

namespace mirrorgate {

std::string quota_identity(const std::string& account, const std::string& client) {
  if (!account.empty()) return account;
  in6_addr v6{};
  if (inet_pton(AF_INET6, client.c_str(), &v6) == 1) {
    for (int i = 8; i < 16; ++i) v6.s6_addr[i] = 0;  // the /64
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &v6, text, sizeof text);
    return std::string(text) + "/64";
  }
  return client;
}

QuotaAnswer QuotaBook::answer(std::deque<Clock::time_point>& pulls, const QuotaLimit& limit, Clock::time_point now,
                              bool count) {
  while (!pulls.empty() && now - pulls.front() >= limit.window) pulls.pop_front();
  QuotaAnswer a;
  a.limit = limit.pulls;
  a.window_seconds = static_cast<int>(limit.window.count());
  const int used = static_cast<int>(pulls.size());
  a.allowed = used < limit.pulls;
  if (count && a.allowed) pulls.push_back(now);
  a.remaining = limit.pulls - static_cast<int>(pulls.size());
  if (!pulls.empty()) {
    a.reset = std::chrono::duration_cast<std::chrono::seconds>(limit.window - (now - pulls.front()));
  }
  return a;
}

QuotaAnswer QuotaBook::pull(const std::string& identity, bool authenticated, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return answer(pulls_[identity], authenticated ? account_ : anonymous_, now, true);
}

QuotaAnswer QuotaBook::peek(const std::string& identity, bool authenticated, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  return answer(pulls_[identity], authenticated ? account_ : anonymous_, now, false);
}

}  // namespace mirrorgate
