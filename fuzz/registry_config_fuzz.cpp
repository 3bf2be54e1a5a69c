// A distribution config (registry-config.yml).
#include "fuzz/fuzz_target.h"
#include "registry/registry_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mirrorgate;
  const auto text = fuzz::text_of(data, size);
  fuzz::bad_input_only([&] { (void)parse_registry_config(text, "fuzz-registry-config.yml"); });
  return 0;
}
