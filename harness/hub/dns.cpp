#include "hub/dns.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "core/netns.h"

namespace mirrorgate {

std::string answer_dns(const std::string& query, const std::string& hosts) {
  constexpr size_t kHeader = 12;
  if (query.size() < kHeader + 5) return "";
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(query[i]); };
  if (byte(2) & 0x80) return "";                       // an answer, not a question
  if (byte(4) != 0 || byte(5) != 1) return "";         // exactly one question
  std::string name;
  size_t at = kHeader;
  while (at < query.size() && byte(at) != 0) {
    const size_t len = byte(at);
    if (len > 63 || at + 1 + len >= query.size()) return "";
    if (!name.empty()) name += '.';
    name.append(query, at + 1, len);
    at += 1 + len;
  }
  if (at + 5 > query.size()) return "";
  const size_t question_end = at + 5;
  const unsigned type = byte(at + 1) << 8 | byte(at + 2);
  // Names are case-insensitive; the lab's hosts file lists them in lower case.
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto text = hosts_file_address(hosts, name);
  std::optional<in_addr> address;
  if (in_addr v4{}; text && ::inet_pton(AF_INET, text->c_str(), &v4) == 1) address = v4;
  std::string reply = query.substr(0, question_end);
  reply[2] = static_cast<char>(0x84 | (byte(2) & 0x01));  // answer, authoritative, the question's RD
  reply[3] = static_cast<char>(address ? 0 : 3);           // NOERROR, or NXDOMAIN
  reply[6] = reply[7] = reply[8] = reply[9] = reply[10] = reply[11] = 0;
  if (address && type == 1) {
    reply[7] = 1;
    const auto* ip = reinterpret_cast<const char*>(&address->s_addr);
    const char record[] = {'\xc0', '\x0c', 0, 1, 0, 1, 0, 0, 0, 10, 0, 4};  // the name above, A, IN, TTL 10 s
    reply.append(record, sizeof record);
    reply.append(ip, 4);
  }
  return reply;  // AAAA and others of a known name: no records (NODATA)
}

}  // namespace mirrorgate
