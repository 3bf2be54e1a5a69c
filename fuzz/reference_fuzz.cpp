// Image references, as listed in prewarm lists and fixture lists: never an
// exception; what parses prints as a reference that parses to itself.
#include "fuzz/fuzz_target.h"
#include "images/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mirrorgate;
  const auto text = fuzz::text_of(data, size);
  try {
    std::string why;
    const auto ref = parse_reference(text, &why);
    if (!ref) return 0;
    const auto again = parse_reference(ref->str());
    if (!again || again->str() != ref->str()) fuzz::bug("'" + ref->str() + "' does not parse to itself");
  } catch (const std::exception& e) {
    fuzz::bug(std::string("parse_reference threw: ") + e.what());
  }
  return 0;
}
