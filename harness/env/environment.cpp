#include "env/environment.h"

#include <stdexcept>

namespace mirrorgate {

std::string to_string(FloorPlace place) {
  return place == FloorPlace::node_loopback ? "the node's loopback" : "kind-registry's host";
}

NodeInfo Environment::node(const std::string& name) const {
  for (const auto& n : run_.nodes) {
    if (n.name == name) return n;
  }
  throw std::invalid_argument("no node named " + name);
}

std::vector<std::string> Environment::cached_registries() const {
  std::vector<std::string> out{kDockerIo};
  for (const auto& c : run_.caches) out.push_back(c.registry);
  return out;
}

const RunCache* Environment::cache(const std::string& registry) const {
  for (const auto& c : run_.caches) {
    if (c.registry == registry) return &c;
  }
  return nullptr;
}

namespace {

std::invalid_argument not_cached(const std::string& registry) {
  return std::invalid_argument("this run caches no " + registry + " (bring it up with --upstream " + registry + ")");
}

}  // namespace

std::filesystem::path Environment::registry_data_of(const std::string& registry) const {
  if (registry == kDockerIo) return run_.registry_data;
  if (const auto* c = cache(registry)) return c->data;
  throw not_cached(registry);
}

std::string Environment::mirror_address_of(const std::string& registry) const {
  if (registry == kDockerIo) return run_.mirror_address;
  if (const auto* c = cache(registry)) return c->address;
  throw not_cached(registry);
}

}  // namespace mirrorgate
