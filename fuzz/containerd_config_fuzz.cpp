// A node's config.toml as containerd reads it back, and CRI's JSON info.
#include "containerd/config_patch.h"
#include "fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mirrorgate;
  const auto text = fuzz::text_of(data, size);
  fuzz::bad_input_only([&] { (void)registry_settings(text); });
  fuzz::bad_input_only([&] { (void)registry_settings_from_cri_info(text); });
  fuzz::bad_input_only([&] { (void)apply_containerd_patches(kind_base_containerd_config(), {{text, "fuzz-patch:1"}}); });
  return 0;
}
