// A kind cluster config, and its containerdConfigPatches merged into kind's
// base config.toml as kind does, then the registry settings read back.
#include "cluster/kind_config.h"
#include "containerd/config_patch.h"
#include "fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mirrorgate;
  const auto text = fuzz::text_of(data, size);
  fuzz::bad_input_only([&] {
    const auto config = parse_kind_config(text, "fuzz-kind-config.yaml");
    const auto merged = apply_containerd_patches(kind_base_containerd_config(), config.containerd_patches);
    (void)registry_settings(merged.toml);
  });
  return 0;
}
