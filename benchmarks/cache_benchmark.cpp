// `mirrorgate cache ls` and `cache prune` on caches of 50, 100 and 200
// repositories: wall time and peak memory against the number of
// repositories, and whether a prune's dry run says to the byte what the real
// prune freed. No lab: each cache is a real registry's storage, written by
// distribution itself (the lab's registry binary, serving on 127.0.0.1) from
// synthetic images — app images on three shared bases (an alpine-, a
// debian- and a node-like one), each with one or two layers of its own whose
// sizes spread like real ones (log-normal around 1 MiB, 16 KiB to 8 MiB),
// one in seven with an older second tag, last pulled over 90 days. Made once
// and kept under --dir; every measured run works on a hard-linked copy (a
// prune only unlinks, so the original stays whole).
//
//   mirrorgate_cache_benchmark --mirrorgate PATH [--dir DIR] [--repos 50,100,200] [Google Benchmark flags]
//
// Each prune keeps 20 images spread over the cache; after it, every kept
// image is checked whole in the storage (counter kept_lost), and once per
// size served by the registry from the pruned copy, every blob fetched and
// checked against its digest (kept_lost_served).
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cache/prune.h"
#include "core/files.h"
#include "images/test_images.h"
#include "process/process.h"
#include "registry/generations.h"
#include "registry/http.h"
#include "registry/registry_client.h"

namespace mirrorgate {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr int kGeneratorVersion = 1;
constexpr size_t kKept = 20;

struct Settings {
  fs::path mirrorgate;
  fs::path dir = "/var/cache/mirrorgate/cache-bench";
  std::vector<int> repos = {50, 100, 200};
};
Settings g;

std::string app_name(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "bench/app-%03d", i);
  return name;
}

// The newest registry generation here: the one that writes the caches.
const RegistryGeneration& writer_generation() {
  const auto* newest = newest_available_registry();
  if (!newest) throw std::runtime_error("no registry binary here (ci/setup.sh builds them)");
  return *newest;
}

// A plain registry over `root` on 127.0.0.1:PORT while it lives.
class LocalRegistry {
 public:
  LocalRegistry(const fs::path& root, int port) : config_(root.string() + ".serve.yml") {
    write_file_atomic(config_, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " +
                                   json(root.string()).dump() + "\nhttp:\n  addr: 127.0.0.1:" + std::to_string(port) + "\n");
    handle_ = start_daemon({{registry_binary(writer_generation()).string(), "serve", config_.string()},
                            root.string() + ".serve.log",
                            root.string() + ".serve.log",
                            {{"OTEL_TRACES_EXPORTER", "none"}}});
    base_ = "http://127.0.0.1:" + std::to_string(port);
    client_ = std::make_unique<RegistryClient>(base_);
    for (int i = 0; i < 100; ++i) {
      if (client_->ping().ok) return;
      std::this_thread::sleep_for(100ms);
    }
    throw std::runtime_error("the registry over " + root.string() + " did not answer; see " + root.string() + ".serve.log");
  }
  ~LocalRegistry() {
    stop_daemon(handle_);
    std::error_code ec;
    fs::remove(config_, ec);
  }
  const RegistryClient& client() const { return *client_; }
  const std::string& base() const { return base_; }

 private:
  std::string base_;
  fs::path config_;
  DaemonHandle handle_;
  std::unique_ptr<RegistryClient> client_;
};

int free_port() { return 20000 + static_cast<int>(::getpid() % 20000); }

// What one synthetic app image is: its base and its own layer sizes.
struct AppSpec {
  int base = 0;
  std::vector<std::uint64_t> own;
};

AppSpec app_spec(int i, int variant) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(i) * 7919 + static_cast<std::uint64_t>(variant));
  std::lognormal_distribution<double> size(std::log(1024.0 * 1024), 1.2);
  AppSpec s;
  s.base = i % 10 < 4 ? 0 : i % 10 < 8 ? 1 : 2;
  const int layers = 1 + static_cast<int>(rng() % 2);
  for (int l = 0; l < layers; ++l) {
    s.own.push_back(static_cast<std::uint64_t>(std::clamp(size(rng), 16.0 * 1024, 8.0 * 1024 * 1024)));
  }
  return s;
}

struct Base {
  TestImage image;
};

// Pushes app i (tag, variant) on its base: its own blobs, the base's mounted.
void push_app(const RegistryClient& r, const TestImageStore& store, const std::vector<TestImage>& bases, int i,
              const std::string& tag, int variant) {
  const auto spec_of = app_spec(i, variant);
  TestImageSpec spec;
  spec.ref = *parse_reference(app_name(i) + ":" + tag);
  spec.text = spec.ref.str();
  spec.layer_sizes = spec_of.own;
  const auto own = store.build(spec);
  const auto& base = bases[static_cast<size_t>(spec_of.base)].platforms.front();
  const auto& mine = own.platforms.front();
  const std::string repo = spec.ref.repository;
  for (const auto& b : base.layers) {
    if (!r.mount_blob(repo, b.digest, bases[static_cast<size_t>(spec_of.base)].spec.ref.repository)) {
      r.push_blob(repo, b.digest, store.blob_path(b.digest));
    }
  }
  json layers = json::array();
  for (const auto& b : base.layers) layers.push_back({{"mediaType", b.media_type}, {"digest", b.digest}, {"size", b.size}});
  for (const auto& b : mine.layers) {
    r.push_blob(repo, b.digest, store.blob_path(b.digest));
    layers.push_back({{"mediaType", b.media_type}, {"digest", b.digest}, {"size", b.size}});
  }
  r.push_blob(repo, mine.config.digest, store.blob_path(mine.config.digest));
  const json manifest = {{"schemaVersion", 2},
                         {"mediaType", media_type::docker_manifest},
                         {"config", {{"mediaType", mine.config.media_type}, {"digest", mine.config.digest}, {"size", mine.config.size}}},
                         {"layers", layers}};
  r.put_manifest(repo, tag, media_type::docker_manifest, manifest.dump());
}

// Last pulled: spread over 90 days, the same on every run.
void age_tags(const fs::path& root) {
  const RegistryStorage storage(root);
  const auto now = fs::file_time_type::clock::now();
  for (const auto& repo : storage.repositories()) {
    for (const auto& tag : storage.tags(repo)) {
      const auto hours = std::hash<std::string>{}(repo + ":" + tag) % (90 * 24);
      fs::last_write_time(storage.tag_dir(repo, tag) / "current/link", now - std::chrono::hours(hours + (tag == "v0" ? 24 * 30 : 0)));
    }
  }
}

// The caches of every size, made once (one run of pushes, copied at each size).
void make_caches() {
  const fs::path version_dir = g.dir / ("v" + std::to_string(kGeneratorVersion));
  bool all = true;
  for (int n : g.repos) all = all && fs::exists(version_dir / std::to_string(n) / "done");
  if (all) return;
  const int largest = *std::max_element(g.repos.begin(), g.repos.end());
  const fs::path work = version_dir / "work";
  fs::remove_all(work);
  fs::create_directories(work);
  std::cerr << "cache benchmark: writing synthetic caches of " << largest << " repositories through registry "
            << writer_generation().name << " into " << version_dir << " (once)\n";
  const TestImageStore store(g.dir / "images");
  LocalRegistry registry(work, free_port());
  std::vector<TestImage> bases;
  const std::vector<std::pair<std::string, std::vector<std::uint64_t>>> base_specs = {
      {"bench/base-alpine:3", {3u << 20}},
      {"bench/base-debian:12", {28u << 20}},
      {"bench/base-node:20", {28u << 20, 4u << 20, 16u << 20}}};
  for (const auto& [ref, sizes] : base_specs) {
    TestImageSpec spec;
    spec.ref = *parse_reference(ref);
    spec.text = ref;
    spec.layer_sizes = sizes;
    bases.push_back(store.build(spec));
  }
  for (const auto& b : bases) {
    for (const auto& l : b.platforms.front().layers) registry.client().push_blob(b.spec.ref.repository, l.digest, store.blob_path(l.digest));
  }
  for (int i = 0; i < largest; ++i) {
    if (i % 7 == 0) push_app(registry.client(), store, bases, i, "v0", 1);
    push_app(registry.client(), store, bases, i, "v1", 0);
    const int done = i + 1;
    if (std::find(g.repos.begin(), g.repos.end(), done) != g.repos.end()) {
      const fs::path out = version_dir / std::to_string(done);
      fs::remove_all(out);
      fs::create_directories(out);
      fs::copy(work / "docker", out / "docker", fs::copy_options::recursive);
      // The base images' own repositories are not the cache's images: gone.
      fs::remove_all(out / "docker/registry/v2/repositories/bench/base-alpine");
      fs::remove_all(out / "docker/registry/v2/repositories/bench/base-debian");
      fs::remove_all(out / "docker/registry/v2/repositories/bench/base-node");
      age_tags(out);
      write_file_atomic(out / "done", std::to_string(done) + " repositories\n");
      std::cerr << "cache benchmark: " << done << " repositories ready\n";
    }
  }
}

fs::path cache_of(int n) { return g.dir / ("v" + std::to_string(kGeneratorVersion)) / std::to_string(n); }

// A fresh copy of the n-repository cache: hard links to its files.
fs::path fresh_copy(int n) {
  const fs::path copy = g.dir / ("run-" + std::to_string(::getpid()) + "-" + std::to_string(n));
  fs::remove_all(copy);
  fs::create_directories(copy);
  fs::copy(cache_of(n) / "docker", copy / "docker", fs::copy_options::recursive | fs::copy_options::create_hard_links);
  return copy;
}

struct Measured {
  double seconds = 0;
  double peak_mb = 0;  // the largest resident set of the process and of its children (garbage-collect)
  int exit_code = -1;
  std::string out;
};

// VmHWM of a process in kB; 0 when it is gone.
long hwm_kb(pid_t pid) {
  const auto status = read_file_if_exists("/proc/" + std::to_string(pid) + "/status").value_or("");
  const auto at = status.find("VmHWM:");
  return at == std::string::npos ? 0 : std::atol(status.c_str() + at + 6);
}

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  std::istringstream in(
      read_file_if_exists("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children").value_or(""));
  for (pid_t c; in >> c;) out.push_back(c);
  return out;
}

// Runs argv, its stdout kept. Peak memory is read from /proc while it runs
// (every 2 ms, the process once it runs argv[0], and its descendants), not
// from wait4's ru_maxrss: that counts the memory of this process, which the
// child shares between fork and exec.
Measured measure(const std::vector<std::string>& argv) {
  const fs::path out_file = g.dir / ("out-" + std::to_string(::getpid()));
  const auto exe = fs::canonical(argv[0]);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    FILE* f = std::freopen(out_file.c_str(), "w", stdout);
    (void)f;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  long peak_kb = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    std::error_code ec;
    if (fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec) == exe) {
      peak_kb = std::max(peak_kb, hwm_kb(pid));
      std::vector<pid_t> todo = children_of(pid);
      while (!todo.empty()) {
        const pid_t c = todo.back();
        todo.pop_back();
        peak_kb = std::max(peak_kb, hwm_kb(c));
        for (pid_t cc : children_of(c)) todo.push_back(cc);
      }
    }
    std::this_thread::sleep_for(2ms);
  }
  Measured m;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.peak_mb = static_cast<double>(peak_kb) / 1024.0;
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  m.out = read_file_if_exists(out_file).value_or("");
  fs::remove(out_file);
  return m;
}

// 20 images spread over the cache (fewer when it has fewer).
std::vector<std::string> keep_list(int n) {
  std::vector<std::string> out;
  const size_t kept = std::min<size_t>(kKept, static_cast<size_t>(n));
  for (size_t k = 0; k < kept; ++k) out.push_back(app_name(static_cast<int>(k * static_cast<size_t>(n) / kept)) + ":v1");
  return out;
}

void BM_CacheLs(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  double peak = 0;
  for (auto _ : state) {
    const auto m = measure({g.mirrorgate.string(), "cache", "ls", "--json", "--data-dir", cache_of(n).string()});
    if (m.exit_code != 0) {
      state.SkipWithError(("cache ls exited " + std::to_string(m.exit_code)).c_str());
      return;
    }
    state.SetIterationTime(m.seconds);
    peak = std::max(peak, m.peak_mb);
    const auto j = json::parse(m.out, nullptr, false);
    state.counters["repositories"] = j.is_array() && !j.empty() ? static_cast<double>(j[0]["repositories"].size()) : -1;
  }
  state.counters["peak_rss_mb"] = peak;
}

void BM_CachePrune(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const fs::path keep = g.dir / ("keep-" + std::to_string(n) + ".txt");
  std::string list;
  for (const auto& k : keep_list(n)) list += k + "\n";
  write_file_atomic(keep, list);
  double peak = 0, dry_peak = 0, disagreements = 0, lost = 0, lost_served = 0, freed = 0, before = 0;
  bool served_checked = false;
  for (auto _ : state) {
    const fs::path copy = fresh_copy(n);
    const std::vector<std::string> base = {g.mirrorgate.string(), "cache", "prune", "--keep", keep.string(),
                                           "--json", "--data-dir", copy.string()};
    auto dry_argv = base;
    dry_argv.push_back("--dry-run");
    const auto dry = measure(dry_argv);
    const auto real = measure(base);
    if (dry.exit_code != 0 || real.exit_code != 0) {
      state.SkipWithError(("cache prune exited " + std::to_string(real.exit_code) + " (dry run " +
                           std::to_string(dry.exit_code) + "): " + real.out.substr(0, 300))
                              .c_str());
      return;
    }
    state.SetIterationTime(real.seconds);
    peak = std::max(peak, real.peak_mb);
    dry_peak = std::max(dry_peak, dry.peak_mb);
    const auto d = json::parse(dry.out, nullptr, false);
    const auto r = json::parse(real.out, nullptr, false);
    const auto said = d.is_array() && !d.empty() ? d[0].value("bytes_freed", std::uint64_t{0}) : 0;
    const auto did = r.is_array() && !r.empty() ? r[0].value("measured_bytes_freed", std::uint64_t{0}) : 1;
    disagreements += said != did;
    freed = static_cast<double>(did);
    before = r.is_array() && !r.empty() ? r[0].value("bytes_before", 0.0) : 0;
    const RegistryStorage storage(copy);
    for (const auto& k : keep_list(n)) lost += !storage.image(*parse_reference(k), host_platform()).complete;
    if (!served_checked) {
      // Served by the registry from the pruned copy, every blob checked.
      served_checked = true;
      LocalRegistry served(copy, free_port() + 1);
      const HttpClient http;
      for (const auto& k : keep_list(n)) {
        const auto ref = *parse_reference(k);
        bool ok = false;
        try {
          const auto manifest = http.request("GET", served.base() + "/v2/" + ref.repository + "/manifests/" + ref.tag,
                                             {{"Accept", media_type::accept_all}});
          const auto body = json::parse(manifest.body, nullptr, false);
          ok = manifest.status == 200 && body.is_object();
          std::vector<std::string> blobs = {body["config"]["digest"].get<std::string>()};
          for (const auto& l : body["layers"]) blobs.push_back(l["digest"].get<std::string>());
          for (const auto& b : blobs) {
            const auto got = http.request("GET", served.base() + "/v2/" + ref.repository + "/blobs/" + b);
            ok = ok && got.status == 200 && "sha256:" + sha256_hex(got.body) == b;
          }
        } catch (const std::exception&) {
          ok = false;
        }
        lost_served += !ok;
      }
    }
    fs::remove_all(copy);
  }
  state.counters["peak_rss_mb"] = peak;
  state.counters["dry_run_peak_rss_mb"] = dry_peak;
  state.counters["dry_run_disagreements"] = disagreements;
  state.counters["kept_lost"] = lost;
  state.counters["kept_lost_served"] = lost_served;
  state.counters["bytes_before"] = before;
  state.counters["bytes_freed"] = freed;
  state.counters["kept"] = static_cast<double>(keep_list(n).size());
}

}  // namespace
}  // namespace mirrorgate

int main(int argc, char** argv) {
  using namespace mirrorgate;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--mirrorgate") {
      g.mirrorgate = value();
    } else if (a == "--dir") {
      g.dir = value();
    } else if (a == "--repos") {
      g.repos.clear();
      std::istringstream in(value());
      for (std::string n; std::getline(in, n, ',');) g.repos.push_back(std::stoi(n));
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (g.mirrorgate.empty()) {
    std::cerr << "usage: mirrorgate_cache_benchmark --mirrorgate PATH [--dir DIR] [--repos 50,100,200] [benchmark flags]\n";
    return 2;
  }
  try {
    make_caches();
  } catch (const std::exception& e) {
    std::cerr << "cache benchmark: cannot make the synthetic caches: " << e.what() << "\n";
    return 1;
  }
  for (int n : g.repos) {
    benchmark::RegisterBenchmark(("cache_ls/" + std::to_string(n)).c_str(), BM_CacheLs)->Arg(n)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);
    benchmark::RegisterBenchmark(("cache_prune/" + std::to_string(n)).c_str(), BM_CachePrune)->Arg(n)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);
  }
  int count = static_cast<int>(rest.size());
  benchmark::Initialize(&count, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
