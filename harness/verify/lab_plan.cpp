#include "verify/lab_plan.h"

#include <sstream>

namespace mirrorgate {

const std::vector<std::vector<std::string>>& labs_beside() {
  // Measured in a verify of the shipped files (2 cores, 2026-12-06): the
  // link down ~6.5 s on containerd 2.1 and ~19 s on 2.3 (an uncached pull
  // waits out the connect timeouts of each of its tries), the
  // partitioned restart ~5 s, the cache-files cycles and the hub-stopped
  // restart ~3.3 s each, the hub stopped ~2.8 s, the uncached image back
  // ~2.7 s; kind-registry killed mid-pull ~9 s (a 100 MB layer generated
  // and fetched), the two prunes ~3.3 s each (garbage-collect of the lab's
  // whole cache); the rest ~18 s in the first lab. Spread so that each lab
  // beside takes about as long as the first. The three labs share two
  // cores: a fourth cost more CPU than it saved waiting (measured before
  // with three labs: 21.9 s against 20.8 s, median of 5).
  static const std::vector<std::vector<std::string>> labs = {
      {"OfflinePulls.*LinkDown", "CacheLifecycle.CachedImagesPullOfflineAfterTheirExpiryHasPassed"},
      {"OfflineRestart.*", "OfflinePulls.*", "EveryUpstreamOffline.*", "CacheLifecycle.PruneKeeps*",
       "CacheLifecycle.APruneStopped*", "CacheLifecycle.KilledMidColdPullServesNoPartialBlob"},
  };
  return labs;
}

bool matches_pattern(const std::string& name, const std::string& pattern) {
  // Iterative wildcard match with backtracking to the last '*'.
  size_t n = 0, p = 0, star = std::string::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++n, ++p;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::vector<std::string>> plan_labs(const std::vector<std::string>& listed, bool team_lab) {
  auto beside = labs_beside();
  if (team_lab) beside.push_back({kTeamScenarios});
  std::vector<std::vector<std::string>> out(beside.size() + 1);
  for (const auto& name : listed) {
    size_t lab = 0;
    for (size_t i = 0; i < beside.size() && lab == 0; ++i) {
      for (const auto& pattern : beside[i]) {
        if (matches_pattern(name, pattern)) {
          lab = i + 1;
          break;
        }
      }
    }
    out[lab].push_back(name);
  }
  return out;
}

std::vector<std::string> parse_gtest_list(const std::string& output) {
  std::vector<std::string> out;
  std::istringstream lines(output);
  std::string suite;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const std::string word = line.substr(line.find_first_not_of(' '));
    const std::string name = word.substr(0, word.find_first_of(" \t"));
    if (line[0] != ' ') {
      suite = name;  // "Suite."
    } else {
      out.push_back(suite + name);
    }
  }
  return out;
}

std::string exact_filter(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ":") + n;
  // An empty list runs nothing: a name no test has.
  return out.empty() ? "NoScenario.NoScenario" : out;
}

}  // namespace mirrorgate
