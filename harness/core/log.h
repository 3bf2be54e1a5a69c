// Progress lines for people: one logger, plain lines, to stderr.
#pragma once

#include <string>

#include <spdlog/spdlog.h>

namespace mirrorgate {

// Call once from main; `verbose` shows debug lines (commands run, waits).
void init_logging(bool verbose);

// Now in UTC, e.g. "20261128T011905Z": run ids and the names of run directories.
std::string utc_stamp();

}  // namespace mirrorgate
