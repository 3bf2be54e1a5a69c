// What mirrorgate reads back from its own tools: registry access-log lines,
// Google Benchmark JSON (`compare`), gtest JSON turned into JUnit XML, and
// `ip route` output. Logs never throw; JSON documents may only throw what
// the callers turn into bad input; the XML never carries a control character.
#include "backends/local/network.h"
#include "fuzz/fuzz_target.h"
#include "registry/access_log.h"
#include "reports/bench_stats.h"
#include "reports/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mirrorgate;
  const auto text = fuzz::text_of(data, size);
  try {
    (void)parse_access_log(text);
    (void)local::conflicting_route(local::parse_subnet("10.77.0.0/24"), text);
  } catch (const std::exception& e) {
    fuzz::bug(std::string("a log or route table threw: ") + e.what());
  }
  fuzz::bad_input_only([&] { (void)local::parse_subnet(text); });
  try {
    (void)parse_benchmark_json(text);
  } catch (const std::exception&) {
    // compare turns any of these into bad input naming the file
  }
  std::vector<ScenarioResult> results;
  try {
    results = parse_gtest_json(text);
  } catch (const std::exception&) {
    return 0;  // reports say "not gtest JSON" naming the file
  }
  const auto xml = junit_xml(results, "fuzz");
  for (const unsigned char c : xml) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') fuzz::bug("junit.xml holds control character " + std::to_string(c));
  }
  return 0;
}
