#include "env/environment.h"

#include <stdexcept>

namespace mirrorgate {

NodeInfo Environment::node(const std::string& name) const {
  for (const auto& n : run_.nodes) {
    if (n.name == name) return n;
  }
  throw std::invalid_argument("no node named " + name);
}

}  // namespace mirrorgate
