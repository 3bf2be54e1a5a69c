#include "core/log.h"

#include <ctime>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace mirrorgate {

void init_logging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("mirrorgate");
  logger->set_pattern("%^[%H:%M:%S] %v%$");
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::string utc_stamp() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace mirrorgate
