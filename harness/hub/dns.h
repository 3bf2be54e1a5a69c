// The lab's DNS (mirrorgate_lab_dns): kind-registry-front's nginx resolves
// Docker Hub and its CDN while it runs, through DNS only, where the lab's
// other daemons read /etc/hosts. A records from a hosts file; nothing else.
// It runs in kind-registry's namespace on 127.0.0.11, where a container on a
// Docker network finds Docker's own DNS, so that stopping the hub or downing
// its link leaves names resolving, as Docker Hub's outages do.
#pragma once

#include <string>

namespace mirrorgate {

// The answer (RFC 1035) to the one question in `query`, from `hosts` (the
// text of an /etc/hosts file): its IPv4 address for a listed name (TTL 10 s),
// no record for another type of a listed name, NXDOMAIN for any other name.
// Empty when `query` is not one well-formed question.
std::string answer_dns(const std::string& query, const std::string& hosts);

}  // namespace mirrorgate
