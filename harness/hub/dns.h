// The lab's stand-in of the internet's DNS (the hub's front serves it with
// --dns-port): kind-registry-front's nginx resolves Docker Hub and its CDN
// while it runs, through DNS only, where the lab's other daemons read
// /etc/hosts. A records from a hosts file; nothing else.
#pragma once

#include <string>

namespace mirrorgate {

// The answer (RFC 1035) to the one question in `query`, from `hosts` (the
// text of an /etc/hosts file): its IPv4 address for a listed name (TTL 10 s),
// no record for another type of a listed name, NXDOMAIN for any other name.
// Empty when `query` is not one well-formed question.
std::string answer_dns(const std::string& query, const std::string& hosts);

}  // namespace mirrorgate
