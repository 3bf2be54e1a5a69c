// Inputs read from files: the fixture image list (sizes included), the
// prewarm list, and the state file with both backends' parts.
#include <unistd.h>

#include <filesystem>

#include "backends/kind/kind_state.h"
#include "backends/local/lab_state.h"
#include "core/files.h"
#include "env/state.h"
#include "fuzz/fuzz_target.h"
#include "images/test_images.h"
#include "registry/prewarm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mirrorgate;
  namespace fs = std::filesystem;
  static const fs::path dir = [] {
    std::string tmpl = "/tmp/mirrorgate-fuzz-XXXXXX";
    return fs::path(::mkdtemp(tmpl.data()));
  }();
  const auto text = fuzz::text_of(data, size);
  write_file_atomic(dir / "input", text);
  fuzz::bad_input_only([&] { (void)load_test_image_list(dir / "input"); });
  fuzz::bad_input_only([&] { (void)read_image_list(dir / "input"); });
  // The state file: load_state turns json errors into bad input; nothing else may escape.
  try {
    const auto j = nlohmann::json::parse(text);
    const auto run = j.get<RunState>();
    (void)run.backend_state.get<local::LabState>();
    (void)run.backend_state.get<kind::KindState>();
  } catch (const nlohmann::json::exception&) {
  } catch (const std::exception& e) {
    fuzz::bug(std::string("the state file's parser threw: ") + e.what());
  }
  return 0;
}
