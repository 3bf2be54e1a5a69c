#include "cache/inventory.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/files.h"
#include "core/progress.h"

namespace mirrorgate {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::chrono::system_clock::time_point to_system_time(fs::file_time_type t) {
  // C++20: file_clock is convertible through clock_cast where the library has
  // it; libstdc++ 12 has file_clock::to_sys.
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(fs::file_time_type::clock::to_sys(t));
}

std::string utc_text(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

std::string age_text(std::chrono::system_clock::time_point then, std::chrono::system_clock::time_point now) {
  const auto hours = std::chrono::duration_cast<std::chrono::hours>(now - then).count();
  if (hours >= 48) return std::to_string(hours / 24) + " days ago";
  if (hours >= 1) return std::to_string(hours) + " h ago";
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(now - then).count();
  return std::to_string(std::max<long long>(minutes, 0)) + " min ago";
}


CacheInventory take_inventory(const RegistryStorage& storage) {
  if (!storage.exists()) {
    throw bad_input(storage.root().string(), 0,
                    "not a registry's storage: no docker/registry/v2 in it (give the directory kind-registry's "
                    "/var/lib/registry is, e.g. ./registry-data)");
  }
  CacheInventory inv;
  inv.root = storage.root();
  // Which repositories link each digest (blobs and manifests alike).
  std::map<std::string, size_t> linked_by;
  std::vector<std::vector<std::string>> links;
  for (const auto& name : storage.repositories()) {
    CachedRepository r;
    r.name = name;
    r.tags = storage.tags(name);
    for (const auto& tag : r.tags) {
      if (const auto t = storage.tag_written(name, tag)) {
        const auto when = to_system_time(*t);
        if (!r.last_pulled || when > *r.last_pulled) r.last_pulled = when;
      }
    }
    r.uploads = storage.uploads(name).size();
    auto digests = storage.linked_manifests(name);
    const auto layers = storage.linked_layers(name);
    digests.insert(digests.end(), layers.begin(), layers.end());
    std::sort(digests.begin(), digests.end());
    digests.erase(std::unique(digests.begin(), digests.end()), digests.end());
    for (const auto& d : digests) ++linked_by[d];
    links.push_back(std::move(digests));
    inv.repositories.push_back(std::move(r));
  }
  for (size_t i = 0; i < inv.repositories.size(); ++i) {
    auto& r = inv.repositories[i];
    for (const auto& d : links[i]) {
      const auto size = storage.blob_size(d).value_or(0);
      r.bytes += size;
      if (linked_by[d] > 1) r.shared_bytes += size;
    }
  }
  // Every blob file on disk, linked or not.
  for (const auto& digest : storage.blob_digests()) {
    const auto size = storage.blob_size(digest);
    if (!size) continue;
    ++inv.blobs;
    inv.blob_bytes += *size;
    if (!linked_by.count(digest)) inv.unlinked_bytes += *size;
  }
  if (const auto disk = disk_space(storage.root())) inv.disk_free = disk->free, inv.disk_total = disk->total;
  return inv;
}

std::string inventory_text(const CacheInventory& inv, std::chrono::system_clock::time_point now) {
  std::ostringstream out;
  size_t width = 10;
  for (const auto& r : inv.repositories) width = std::max(width, r.name.size());
  out << std::left << std::setw(static_cast<int>(width) + 2) << "REPOSITORY" << std::setw(28) << "TAGS" << std::right
      << std::setw(10) << "SIZE" << std::setw(10) << "OWN" << std::setw(10) << "SHARED" << "  LAST PULLED BY TAG\n";
  for (const auto& r : inv.repositories) {
    std::string tags;
    for (const auto& t : r.tags) tags += (tags.empty() ? "" : ",") + t;
    if (tags.size() > 26) tags = tags.substr(0, 23) + "...";
    out << std::left << std::setw(static_cast<int>(width) + 2) << r.name << std::setw(28) << (tags.empty() ? "-" : tags)
        << std::right << std::setw(10) << format_bytes(r.bytes) << std::setw(10) << format_bytes(r.own_bytes())
        << std::setw(10) << format_bytes(r.shared_bytes) << "  "
        << (r.last_pulled ? utc_text(*r.last_pulled) + " (" + age_text(*r.last_pulled, now) + ")" : std::string("-"))
        << (r.uploads ? "  " + std::to_string(r.uploads) + " upload(s) left by an interrupted fetch" : "") << "\n";
  }
  out << inv.repositories.size() << " repositories, " << inv.blobs << " blobs, " << format_bytes(inv.blob_bytes)
      << " in " << inv.root.string();
  if (inv.unlinked_bytes) out << " (" << format_bytes(inv.unlinked_bytes) << " linked by no repository)";
  if (inv.disk_total) {
    out << "; its disk: " << format_bytes(inv.disk_free) << " free of " << format_bytes(inv.disk_total);
  }
  out << "\n";
  return out.str();
}

json inventory_json(const CacheInventory& inv) {
  json j = {{"root", inv.root.string()},         {"blobs", inv.blobs},           {"blob_bytes", inv.blob_bytes},
            {"unlinked_bytes", inv.unlinked_bytes}, {"disk_total", inv.disk_total}, {"disk_free", inv.disk_free},
            {"repositories", json::array()}};
  for (const auto& r : inv.repositories) {
    j["repositories"].push_back({{"name", r.name},
                                 {"tags", r.tags},
                                 {"bytes", r.bytes},
                                 {"own_bytes", r.own_bytes()},
                                 {"shared_bytes", r.shared_bytes},
                                 {"last_pulled", r.last_pulled ? json(utc_text(*r.last_pulled)) : json(nullptr)},
                                 {"uploads", r.uploads}});
  }
  return j;
}

}  // namespace mirrorgate
