// Which scenarios run in which lab when `verify` runs every scenario: the
// families that stop Docker Hub or restart kind-registry, and the long ones,
// in labs of their own beside the first, at the same time as the rest there.
// A pure function of the listed scenarios, so that "every scenario runs in
// exactly one lab" is a unit test, not a hope.
#pragma once

#include <string>
#include <vector>

namespace mirrorgate {

// The labs beside the first, each as gtest patterns ("Suite.*",
// "Suite.Prefix*", exact names). A scenario runs in the first lab beside
// whose patterns match it, else in the first lab.
const std::vector<std::vector<std::string>>& labs_beside();

// Whether `name` ("Suite.Test") matches a gtest pattern ('*' any run of
// characters, '?' one character).
bool matches_pattern(const std::string& name, const std::string& pattern);

// The scenarios of the team tier (TeamCache.*): with team_lab they get a
// lab of their own, the last, which runs several machines (verify
// --machines N); without, they stay in the first lab, where they skip.
inline constexpr const char* kTeamScenarios = "TeamCache.*";

// The scenarios each lab runs, the first lab's first, then one entry per
// lab beside (and the team lab last, with team_lab); every listed scenario
// in exactly one, in the listed order.
std::vector<std::vector<std::string>> plan_labs(const std::vector<std::string>& listed, bool team_lab = false);

// The "Suite.Test" names of a gtest binary's --gtest_list_tests output.
std::vector<std::string> parse_gtest_list(const std::string& output);

// A gtest filter that runs exactly `names`.
std::string exact_filter(const std::vector<std::string>& names);

}  // namespace mirrorgate
