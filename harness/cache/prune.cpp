#include "cache/prune.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <unistd.h>

#include "cache/inventory.h"
#include "core/error.h"
#include "core/files.h"
#include "core/progress.h"
#include "process/process.h"
#include "registry/generations.h"
#include "registry/prewarm.h"

namespace mirrorgate {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

// One root as the plan weighs it: what garbage-collect marks for it.
struct WeighedRoot {
  CacheRoot root;
  std::vector<std::string> manifests;  // its stored manifests: the root's and every linked manifest it names
  std::vector<std::string> marks;      // those and every digest they name
  bool kept = false;
};

// The roots of one repository and what each marks, the way garbage-collect
// walks it: each linked manifest revision, and the manifests it names that
// the repository links too.
std::vector<WeighedRoot> roots_of(const RegistryStorage& storage, const std::string& repository) {
  const auto revisions = storage.linked_manifests(repository);
  const std::set<std::string> linked(revisions.begin(), revisions.end());
  std::map<std::string, std::vector<std::string>> references;
  std::set<std::string> named;  // revisions another revision names
  for (const auto& r : revisions) {
    references[r] = storage.manifest_references(r);
    for (const auto& d : references[r]) {
      if (linked.count(d) && d != r) named.insert(d);
    }
  }
  auto weigh = [&](WeighedRoot& w) {
    std::set<std::string> manifests, marks;
    std::vector<std::string> todo{w.root.digest};
    while (!todo.empty()) {
      const auto d = todo.back();
      todo.pop_back();
      if (d.empty() || !linked.count(d) || !manifests.insert(d).second) continue;
      marks.insert(d);
      for (const auto& ref : references[d]) {
        marks.insert(ref);
        todo.push_back(ref);
      }
    }
    w.manifests.assign(manifests.begin(), manifests.end());
    w.marks.assign(marks.begin(), marks.end());
  };
  std::vector<WeighedRoot> out;
  std::set<std::string> tagged;
  for (const auto& tag : storage.tags(repository)) {
    WeighedRoot w;
    w.root.repository = repository;
    w.root.tag = tag;
    w.root.digest = storage.tag_digest(repository, tag).value_or("");
    if (const auto t = storage.tag_written(repository, tag)) w.root.last_pulled = to_system_time(*t);
    tagged.insert(w.root.digest);
    weigh(w);
    out.push_back(std::move(w));
  }
  for (const auto& r : revisions) {
    if (tagged.count(r) || named.count(r)) continue;
    WeighedRoot w;
    w.root.repository = repository;
    w.root.digest = r;
    if (const auto t = storage.revision_written(repository, r)) w.root.last_pulled = to_system_time(*t);
    weigh(w);
    out.push_back(std::move(w));
  }
  return out;
}

bool keeps(const ImageReference& ref, const WeighedRoot& w) {
  if (ref.repository != w.root.repository) return false;
  if (!ref.digest.empty()) {
    return std::find(w.manifests.begin(), w.manifests.end(), ref.digest) != w.manifests.end();
  }
  return ref.tag == w.root.tag;
}

bool older(const CacheRoot& a, const CacheRoot& b) {
  // Never pulled by tag (no time) counts as the oldest; ties by name, so a
  // plan is the same on every run.
  if (a.last_pulled != b.last_pulled) {
    if (!a.last_pulled) return true;
    if (!b.last_pulled) return false;
    return *a.last_pulled < *b.last_pulled;
  }
  return a.str() < b.str();
}

}  // namespace

PrunePlan plan_prune(const RegistryStorage& storage, const PruneOptions& options, Clock::time_point now) {
  if (!storage.exists()) {
    throw bad_input(storage.root().string(), 0,
                    "not a registry's storage: no docker/registry/v2 in it (give the directory kind-registry's "
                    "/var/lib/registry is, e.g. ./registry-data)");
  }
  PrunePlan plan;
  std::unordered_map<std::string, std::uint64_t> size_of;  // every blob file
  for (const auto& d : storage.blob_digests()) {
    const auto size = storage.blob_size(d).value_or(0);
    size_of[d] = size;
    plan.bytes_before += size;
  }
  plan.blobs_before = size_of.size();

  std::vector<WeighedRoot> roots;
  for (const auto& repository : storage.repositories()) {
    auto r = roots_of(storage, repository);
    std::move(r.begin(), r.end(), std::back_inserter(roots));
  }
  std::vector<bool> held(options.keep.size(), false);
  for (auto& w : roots) {
    for (size_t i = 0; i < options.keep.size(); ++i) {
      if (keeps(options.keep[i], w)) w.kept = true, held[i] = true;
    }
  }
  for (size_t i = 0; i < options.keep.size(); ++i) {
    if (!held[i]) plan.not_held.push_back(options.keep[i].str());
  }

  // How many remaining roots mark each digest; a blob file no root marks is
  // what garbage-collect deletes.
  std::unordered_map<std::string, std::size_t> marked_by;
  for (const auto& w : roots) {
    for (const auto& d : w.marks) ++marked_by[d];
  }
  std::uint64_t after = 0;
  std::size_t blobs_after = 0;
  for (const auto& [d, size] : size_of) {
    if (marked_by.count(d)) after += size, ++blobs_after;
  }
  auto drop = [&](const WeighedRoot& w) {
    for (const auto& d : w.marks) {
      if (--marked_by[d] == 0) {
        marked_by.erase(d);
        if (const auto it = size_of.find(d); it != size_of.end()) after -= it->second, --blobs_after;
      }
    }
  };

  std::vector<const WeighedRoot*> candidates;
  for (const auto& w : roots) {
    if (w.kept) {
      plan.kept.push_back(w.root);
    } else {
      candidates.push_back(&w);
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const WeighedRoot* a, const WeighedRoot* b) { return older(a->root, b->root); });
  std::set<const WeighedRoot*> going;
  const bool limited = options.max_size || options.older_than;
  for (const auto* w : candidates) {
    const bool too_old = options.older_than && (!w->root.last_pulled || *w->root.last_pulled < now - *options.older_than);
    if (!limited || too_old) going.insert(w), drop(*w);
  }
  if (options.max_size) {
    for (const auto* w : candidates) {
      if (after <= *options.max_size) break;
      if (going.insert(w).second) drop(*w);
    }
    plan.above_max_size = after > *options.max_size;
  }
  for (const auto* w : candidates) (going.count(w) ? plan.going : plan.staying).push_back(w->root);
  plan.bytes_after = after;
  plan.blobs_freed = plan.blobs_before - blobs_after;

  // The links: per repository, the going tags; the revisions no staying
  // root reaches; the layer links of blobs garbage-collect will delete; or
  // the whole repository when no root of it stays.
  std::map<std::string, std::vector<const WeighedRoot*>> by_repository;
  for (const auto& repository : storage.repositories()) by_repository[repository];
  for (const auto& w : roots) by_repository[w.root.repository].push_back(&w);
  for (const auto& [repository, ws] : by_repository) {
    if (ws.empty()) {
      plan.empty_repositories.push_back(repository);
      plan.unlink.push_back(storage.repository_dir(repository));
      continue;
    }
    bool any_going = false, any_staying = false;
    std::set<std::string> reached;
    for (const auto* w : ws) {
      if (going.count(w)) {
        any_going = true;
        continue;
      }
      any_staying = true;
      reached.insert(w->manifests.begin(), w->manifests.end());
    }
    std::error_code ec;
    if (any_staying && !fs::is_directory(storage.repository_dir(repository) / "_layers", ec)) {
      plan.make_layers.push_back(storage.repository_dir(repository) / "_layers");
    }
    if (!any_going) continue;
    if (!any_staying) {
      plan.repositories_going.push_back(repository);
      plan.unlink.push_back(storage.repository_dir(repository));
      continue;
    }
    for (const auto* w : ws) {
      if (going.count(w) && !w->root.tag.empty()) plan.unlink.push_back(storage.tag_dir(repository, w->root.tag));
    }
    for (const auto& r : storage.linked_manifests(repository)) {
      if (!reached.count(r)) plan.unlink.push_back(storage.revision_dir(repository, r));
    }
    for (const auto& l : storage.linked_layers(repository)) {
      if (!marked_by.count(l)) plan.unlink.push_back(storage.layer_dir(repository, l));
    }
  }
  return plan;
}

std::size_t apply_links(const PrunePlan& plan) {
  std::size_t removed = 0;
  for (const auto& dir : plan.make_layers) fs::create_directories(dir);
  for (const auto& dir : plan.unlink) {
    std::error_code ec;
    if (fs::remove_all(dir, ec) > 0) ++removed;
    if (ec) throw std::runtime_error("cannot remove " + dir.string() + ": " + ec.message());
    // "library/redis" leaves "library" behind when it was the last of it;
    // the directories inside a repository that stays are left as they are.
    const std::string path = dir.string();
    if (path.find("/_manifests/") != std::string::npos || path.find("/_layers/") != std::string::npos) continue;
    for (auto parent = dir.parent_path(); parent.filename() != "repositories" && fs::is_empty(parent, ec) && !ec;
         parent = parent.parent_path()) {
      fs::remove(parent, ec);
    }
  }
  return removed;
}

std::vector<ImageReference> read_keep_list(const fs::path& file) {
  std::vector<ImageReference> out;
  for (const auto& listed : read_image_list(file)) {
    std::string why;
    auto ref = parse_reference(listed.text, &why);
    if (!ref) throw bad_input(file.string(), listed.line, "'" + listed.text + "' is not an image reference: " + why);
    out.push_back(std::move(*ref));
  }
  return out;
}

PruneOutcome prune_cache(const RegistryStorage& storage, const PruneOptions& options, bool dry_run, const Sweep& sweep) {
  PruneOutcome outcome;
  if (dry_run) {
    outcome.plan = plan_prune(storage, options, Clock::now());
    outcome.measured_before = outcome.measured_after = outcome.plan.bytes_before;
    return outcome;
  }
  // Planned first while the cache serves, so that bad input and a cache
  // that is not a registry's storage stop it before anything is stopped.
  (void)plan_prune(storage, options, Clock::now());
  outcome.garbage_collect = sweep([&] {
    outcome.plan = plan_prune(storage, options, Clock::now());
    outcome.measured_before = outcome.plan.bytes_before;
    outcome.links_removed = apply_links(outcome.plan);
  });
  outcome.measured_after = blob_bytes_on_disk(storage);
  return outcome;
}

std::string garbage_collect_stopped_storage(const fs::path& root, const std::function<void()>& while_stopped) {
  const auto* generation = newest_available_registry();
  if (!generation) throw missing_prerequisite("no registry binary for garbage-collect: run ci/setup.sh");
  // A config of just the storage; the root itself comes through the environment.
  const fs::path config = fs::temp_directory_path() / ("mirrorgate-gc-" + std::to_string(::getpid()) + ".yml");
  write_file_atomic(config, "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\n");
  struct Remove {
    fs::path p;
    ~Remove() {
      std::error_code ec;
      fs::remove(p, ec);
    }
  } remove_config{config};
  if (while_stopped) while_stopped();
  return run_garbage_collect(registry_binary(*generation), config, fs::absolute(root), root.string());
}

std::uint64_t blob_bytes_on_disk(const RegistryStorage& storage) {
  std::uint64_t total = 0;
  for (const auto& d : storage.blob_digests()) total += storage.blob_size(d).value_or(0);
  return total;
}

std::uint64_t parse_cache_size(const std::string& text) {
  size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(text, &pos);
  } catch (const std::exception&) {
    throw std::invalid_argument("'" + text + "' is not a size (e.g. 50GB, 500MiB, 1.5T)");
  }
  std::string unit = text.substr(pos);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  static const std::map<std::string, double> units = {
      {"", 1},        {"B", 1},          {"K", 1e3},          {"KB", 1e3},
      {"KiB", 1024.0}, {"M", 1e6},        {"MB", 1e6},         {"MiB", 1048576.0},
      {"G", 1e9},     {"GB", 1e9},       {"GiB", 1073741824.0}, {"T", 1e12},
      {"TB", 1e12},   {"TiB", 1099511627776.0}};
  const auto u = units.find(unit);
  if (u == units.end()) {
    throw std::invalid_argument("'" + text + "': unknown unit '" + unit + "' (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
  }
  if (!std::isfinite(value) || value < 0 || value * u->second > 1.8e19) {
    throw std::invalid_argument("'" + text + "' is not a size a disk can have");
  }
  return static_cast<std::uint64_t>(value * u->second);
}

std::chrono::seconds parse_age(const std::string& text) {
  static const std::map<char, long long> unit = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
  long long total = 0;
  size_t i = 0;
  if (text.empty()) throw std::invalid_argument("an empty duration (e.g. 30d, 2w, 12h)");
  while (i < text.size()) {
    size_t digits = i;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == i || digits == text.size() || !unit.count(text[digits]) || digits - i > 9) {
      throw std::invalid_argument("'" + text + "' is not a duration (numbers with s, m, h, d or w: 30d, 2w, 1d12h)");
    }
    total += std::stoll(text.substr(i, digits - i)) * unit.at(text[digits]);
    i = digits + 1;
  }
  return std::chrono::seconds(total);
}

std::string prune_text(const PrunePlan& plan, bool dry_run) {
  std::ostringstream out;
  const auto now = Clock::now();
  auto line = [&](const CacheRoot& r) {
    out << "  " << r.str() << "  "
        << (r.last_pulled ? "last pulled " + age_text(*r.last_pulled, now) : std::string("never pulled by tag")) << "\n";
  };
  out << (dry_run ? "would remove " : "removed ") << plan.going.size() << " image(s)"
      << (plan.repositories_going.empty() ? "" : " (" + std::to_string(plan.repositories_going.size()) +
                                                   " repositories whole)")
      << ", least recently pulled first:\n";
  for (const auto& r : plan.going) line(r);
  if (!plan.empty_repositories.empty()) {
    out << (dry_run ? "would remove " : "removed ") << plan.empty_repositories.size()
        << " repositories holding layer links and no image\n";
  }
  out << "keeping " << plan.kept.size() << " image(s) of the keep list";
  if (!plan.staying.empty()) out << " and " << plan.staying.size() << " other(s) the limits let stay";
  out << "\n";
  if (!plan.not_held.empty()) {
    out << plan.not_held.size() << " image(s) of the keep list are not in this cache (a pull caches them):\n";
    for (const auto& n : plan.not_held) out << "  " << n << "\n";
  }
  out << (dry_run ? "garbage-collect would free " : "garbage-collect freed ") << format_bytes(plan.bytes_freed())
      << " (" << plan.bytes_freed() << " bytes, " << plan.blobs_freed << " of " << plan.blobs_before
      << " blob files): " << format_bytes(plan.bytes_before) << " -> " << format_bytes(plan.bytes_after) << "\n";
  if (plan.above_max_size) {
    out << "still above --max-size: what stays (the keep list's images and what they share) takes "
        << format_bytes(plan.bytes_after) << "\n";
  }
  return out.str();
}

json prune_json(const PrunePlan& plan) {
  auto roots = [](const std::vector<CacheRoot>& rs) {
    json a = json::array();
    for (const auto& r : rs) {
      a.push_back({{"repository", r.repository},
                   {"tag", r.tag},
                   {"digest", r.digest},
                   {"last_pulled", r.last_pulled ? json(utc_text(*r.last_pulled)) : json(nullptr)}});
    }
    return a;
  };
  return {{"going", roots(plan.going)},
          {"kept", roots(plan.kept)},
          {"staying", roots(plan.staying)},
          {"not_held", plan.not_held},
          {"repositories_going", plan.repositories_going},
          {"empty_repositories", plan.empty_repositories},
          {"bytes_before", plan.bytes_before},
          {"bytes_after", plan.bytes_after},
          {"bytes_freed", plan.bytes_freed()},
          {"blobs_before", plan.blobs_before},
          {"blobs_freed", plan.blobs_freed},
          {"above_max_size", plan.above_max_size}};
}

}  // namespace mirrorgate
