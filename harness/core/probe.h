// The answer of a check that can fail: whether it holds, and why not. Probes
// answer this way instead of `bool` plus an out-parameter, so the reason
// travels with the verdict and the caller must look at it.
#pragma once

#include <string>
#include <utility>

namespace mirrorgate {

struct [[nodiscard]] Probe {
  bool ok = false;
  std::string reason;  // why it does not hold (empty when it does)

  static Probe yes() { return {true, {}}; }
  static Probe no(std::string why) { return {false, std::move(why)}; }
  explicit operator bool() const { return ok; }
};

}  // namespace mirrorgate
