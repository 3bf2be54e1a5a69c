// A file mirrorgate reads as TOML (hosts.toml, containerd's config): toml++'s
// parse error becomes the project's bad input naming FILE:LINE.
#pragma once

#include <string>

#include <toml++/toml.h>

#include "core/error.h"

namespace mirrorgate {

// `what`: what the file is, e.g. "hosts.toml is not valid TOML (…)".
inline toml::table parse_toml_input(const std::string& text, const std::string& file, const std::string& what) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw bad_input(file, static_cast<int>(e.source().begin.line), what + ": " + std::string(e.description()));
  }
}

}  // namespace mirrorgate
