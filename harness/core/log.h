// Progress lines for people: one logger, plain lines, to stderr.
#pragma once

#include <spdlog/spdlog.h>

namespace mirrorgate {

// Call once from main; `verbose` shows debug lines (commands run, waits).
void init_logging(bool verbose);

}  // namespace mirrorgate
