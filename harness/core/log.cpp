#include "core/log.h"

#include <cstdlib>
#include <ctime>
#include <string_view>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace mirrorgate {

void init_logging(bool verbose) {
  auto logger = spdlog::get("mirrorgate");
  if (!logger) logger = spdlog::stderr_color_mt("mirrorgate");
  // Verbose lines time steps against each other: milliseconds.
  logger->set_pattern(verbose ? "%^[%H:%M:%S.%e] %v%$" : "%^[%H:%M:%S] %v%$");
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

bool verbose_logging() { return spdlog::get_level() <= spdlog::level::debug; }

void init_logging_from_environment() {
  const char* v = std::getenv(kVerboseVariable);
  init_logging(v && std::string_view(v) == "1");
}

std::string utc_stamp() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace mirrorgate
