// Cold, warm and direct pulls through a node's CRI, as kubelet pulls, on a
// running environment (mirrorgate up / mirrorgate bench bring it up):
//   cold    the mirror has never cached the image (a repository new to it)
//           and the node's content store holds none of its blobs
//   warm    the mirror holds the image, the node does not
//   direct  the node pulls from the hub with no mirror (what users have today:
//           registry-1.docker.io/… references have no hosts.toml directory)
//   direct-unshaped  direct with the hub's link unshaped (still through the
//           stand-in's TLS front and token service)
//   warm-digest  a warm pull by digest: no tag to look up, so kind-registry
//           asks the upstream nothing; warm minus warm-digest is the fixed
//           cost of a pull by tag (the proxy's freshness check, its token)
//   floor   the node pulls the image from a plain registry on its own
//           loopback: containerd's own fetch, store and unpack and nothing
//           else, not even a network
//   floor-same-path  the same from a plain registry where kind-registry
//           runs, across the same bridge: the path of a warm pull without
//           the cache; warm-digest / floor-same-path is what the cache costs
//           per byte
//   herd    every node pulls the same uncached image at once; and again
//           after `prewarm` fetched it through the mirror
//   cluster-cached / cluster-direct  creating a cluster from a mixed list:
//           every node pulls every test image of the environment's list
//           (docker.io's and each --upstream registry's) one after another,
//           as kubelet pulls by default, the nodes at once; through the
//           caches, which hold them all, or with each registry's hosts.toml
//           naming only its server, as on a cluster without caches
// One iteration per repetition, manual time = the CRI PullImage call only.
#include <benchmark/benchmark.h>
#include <execinfo.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "core/paths.h"
#include "registry/upstreams.h"
#include "fixtures/attach.h"
#include "hub/stand_in.h"
#include "images/reference.h"
#include "registry/prewarm.h"
#include "registry/push_image.h"
#include "verify/pull_evidence.h"

namespace mirrorgate {
namespace {

using namespace std::chrono_literals;

struct BenchImage {
  TestImage image;
  std::string label;  // "100mb-4layers"
};

// Rounds per repetition of the modes a target compares (warm, warm-digest
// and the floors): each round pulls each once, so each has this many
// samples per repetition, paired round by round.
constexpr int kComparedPullsPerRepetition = 3;

// The benchmark running now, for the crash report below.
std::atomic<const char*> running_benchmark{"(setting up)"};

// A crash names the benchmark and the stack on stderr, so a rare one in a long
// run can be told apart from the next; then the signal ends the process as before.
void report_crash(int sig) {
  const char* name = running_benchmark.load();
  const char* what = strsignal(sig);
  for (const char* part : {"pull_benchmark: ", what, " in ", name, "; stack:\n"}) {
    (void)!::write(STDERR_FILENO, part, std::strlen(part));
  }
  void* frames[64];
  backtrace_symbols_fd(frames, backtrace(frames, 64), STDERR_FILENO);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

std::vector<BenchImage>& bench_images() {
  static std::vector<BenchImage> images;
  return images;
}

Environment& environment() { return *attached_environment(nullptr); }
std::string node_name() { return environment().nodes().front().name; }
const std::string& platform() { return environment().platform(); }

// What the upstream (the Docker Hub stand-in) saw since `from`, from one read
// of its log: blob bytes it served, and pulls it counted (manifest GETs).
struct UpstreamSince {
  long long blob_bytes = 0;
  int pulls_counted = 0;
  int fallback_nodes = 0;  // nodes the upstream saw: they went around the cache
};

UpstreamSince upstream_since(const Environment& env, size_t from) {
  UpstreamSince out;
  const auto log = env.upstream_access_log();
  std::set<std::string> clients;
  for (size_t i = from; i < log.size(); ++i) {
    if (log[i].kind == RequestKind::blob && log[i].method == "GET") out.blob_bytes += log[i].bytes;
    out.pulls_counted += log[i].pull_counted;
    clients.insert(log[i].client);
  }
  for (const auto& n : env.nodes()) out.fallback_nodes += static_cast<int>(clients.count(n.address));
  return out;
}

// Empties the node of the image, or stops the benchmark: a pull that finds
// blobs locally measures nothing.
bool make_node_cold(benchmark::State& state, Environment& env, const std::string& ref, const TestImage& image) {
  if (env.remove_image(node_name(), ref, content_for(image, platform()), 60s)) return true;
  state.SkipWithError("the node still holds blobs of the image after removing it");
  return false;
}

// distribution stores a cold blob in a fetch of its own that can end after
// the node's pull did, and the upstream logs a fetch when it ends: counted
// right after the pull, a cold pull cost 1.0× or, with the previous
// repetition's store spilling over, 2.25×. Waits until kind-registry stored
// what `ref` pulled; false (and the benchmark stops) when it did not.
bool wait_stored(benchmark::State& state, const Environment& env, const std::string& ref, const TestImage& image) {
  const auto parsed = parse_reference(ref);
  const auto& content = image.for_platform(platform());
  std::vector<std::string> blobs{content.config.digest};
  for (const auto& layer : content.layers) blobs.push_back(layer.digest);
  if (auto stored = wait_until_stored(env.registry_data(), parsed ? parsed->repository : ref, blobs, 60s); !stored) {
    state.SkipWithError(("kind-registry did not store the pulled image: " + stored.last_error).c_str());
    return false;
  }
  return true;
}

// The counters of one repetition: the image, and what the upstream saw since `mark`.
void report_counters(benchmark::State& state, const Environment& env, const TestImage& image, size_t mark) {
  const auto seen = upstream_since(env, mark);
  const double upstream = static_cast<double>(seen.blob_bytes);
  state.counters["docker_hub_pulls"] = seen.pulls_counted;
  state.counters["fallback_nodes"] = seen.fallback_nodes;
  const double bytes = static_cast<double>(image.bytes_for(platform()));
  state.counters["bytes"] = bytes;
  state.counters["layers"] = static_cast<double>(image.for_platform(platform()).layers.size());
  state.counters["upstream_bytes"] = upstream;
  state.counters["upstream_amplification"] = bytes > 0 ? upstream / bytes : 0;
}

// Pulls `ref` on the node and records the CRI call's wall time.
bool timed_pull(benchmark::State& state, Environment& env, const std::string& ref) {
  try {
    auto r = env.pull_image(node_name(), ref, 30min);
    state.SetIterationTime(r.seconds);
    return true;
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return false;
  }
}

void BM_Cold(benchmark::State& state, const BenchImage* bench) {
  std::string why;
  auto* env = attached_environment(&why);
  if (!env) return state.SkipWithError(why.c_str());
  for (auto _ : state) {
    const std::string ref = publish_uncached_copy(env->upstream(), bench->image, "cold");
    if (ref.empty()) return state.SkipWithError("the hub refused a blob mount");
    if (!make_node_cold(state, *env, ref, bench->image)) return;
    const size_t mark = env->upstream_access_log().size();
    if (!timed_pull(state, *env, ref)) return;
    if (!wait_stored(state, *env, ref, bench->image)) return;
    report_counters(state, *env, bench->image, mark);
  }
}

// Warms the mirror until a pull downloads nothing upstream: distribution
// stores a cold blob in a second upstream fetch that can finish after the
// client's pull did, so one pull does not make the mirror warm. False (and
// the benchmark stops) when it stays cold.
bool make_mirror_warm(benchmark::State& state, Environment& env, const BenchImage* bench) {
  const std::string ref = bench->image.spec.ref.str();
  // Once warm, it stays warm: nothing in a run removes what the mirror stored.
  static std::set<std::string> warmed;
  if (warmed.count(ref)) return true;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (!make_node_cold(state, env, ref, bench->image)) return false;
    const size_t mark = env.upstream_access_log().size();
    env.pull_image(node_name(), ref, 30min);
    if (upstream_since(env, mark).blob_bytes == 0) {
      warmed.insert(ref);
      return true;
    }
  }
  state.SkipWithError("the mirror still fetched blobs upstream after 5 warming pulls");
  return false;
}

// A warm pull by tag, or by the digest the tag names.
void warm_pulls(benchmark::State& state, const BenchImage* bench, bool by_digest) {
  std::string why;
  auto* env = attached_environment(&why);
  if (!env) return state.SkipWithError(why.c_str());
  const auto& base = bench->image.spec.ref;
  const std::string ref = by_digest ? base.domain + "/" + base.repository + "@" + bench->image.top.digest : base.str();
  if (!make_mirror_warm(state, *env, bench)) return;
  for (auto _ : state) {
    if (!make_node_cold(state, *env, ref, bench->image)) return;
    const size_t mark = env->upstream_access_log().size();
    if (!timed_pull(state, *env, ref)) return;
    report_counters(state, *env, bench->image, mark);
  }
}

void BM_Warm(benchmark::State& state, const BenchImage* bench) { warm_pulls(state, bench, false); }
void BM_WarmDigest(benchmark::State& state, const BenchImage* bench) { warm_pulls(state, bench, true); }

void direct_pulls(benchmark::State& state, const BenchImage* bench, bool unshaped) {
  std::string why;
  auto* env = attached_environment(&why);
  if (!env) return state.SkipWithError(why.c_str());
  const std::string rate = env->upstream_rate();
  if (unshaped && !rate.empty()) env->set_upstream_rate("");
  const auto& base = bench->image.spec.ref;
  const std::string ref = "registry-1.docker.io/" + base.repository + ":" + base.tag;
  for (auto _ : state) {
    if (!make_node_cold(state, *env, ref, bench->image)) break;
    const size_t mark = env->upstream_access_log().size();
    if (!timed_pull(state, *env, ref)) break;
    report_counters(state, *env, bench->image, mark);
  }
  if (unshaped && !rate.empty()) env->set_upstream_rate(rate);
}

void BM_Direct(benchmark::State& state, const BenchImage* bench) { direct_pulls(state, bench, false); }
void BM_DirectUnshaped(benchmark::State& state, const BenchImage* bench) { direct_pulls(state, bench, true); }

// A floor registry, started by its first benchmark and stopped after the
// last; the images pushed to it so far.
struct FloorState {
  std::optional<FloorRegistry> registry;
  std::string why_not;
  bool tried = false;
  std::set<std::string> pushed;
};

FloorState& floor_state(FloorPlace place) {
  static FloorState loopback, same_path;
  return place == FloorPlace::node_loopback ? loopback : same_path;
}

const TestImageStore*& image_store() {
  static const TestImageStore* store = nullptr;
  return store;
}

void floor_pulls(benchmark::State& state, const BenchImage* bench, FloorPlace place) {
  std::string why;
  auto* env = attached_environment(&why);
  if (!env) return state.SkipWithError(why.c_str());
  auto& floor = floor_state(place);
  if (!floor.tried) {
    floor.tried = true;
    floor.registry = env->start_floor_registry(node_name(), place, floor.why_not);
  }
  if (!floor.registry) return state.SkipWithError(("no floor to measure: " + floor.why_not).c_str());
  const auto& base = bench->image.spec.ref;
  if (floor.pushed.insert(base.str()).second) {
    try {
      push_test_image(RegistryClient(floor.registry->push_url), bench->image, *image_store());
    } catch (const std::exception& e) {
      floor.pushed.erase(base.str());
      return state.SkipWithError(("pushing to the floor registry on " + to_string(place) + ": " + e.what()).c_str());
    }
  }
  const std::string ref = floor.registry->host + "/" + base.repository + ":" + base.tag;
  for (auto _ : state) {
    if (!make_node_cold(state, *env, ref, bench->image)) return;
    const size_t mark = env->upstream_access_log().size();
    if (!timed_pull(state, *env, ref)) return;
    report_counters(state, *env, bench->image, mark);
  }
}

void BM_Floor(benchmark::State& state, const BenchImage* bench) { floor_pulls(state, bench, FloorPlace::node_loopback); }
void BM_FloorSamePath(benchmark::State& state, const BenchImage* bench) {
  floor_pulls(state, bench, FloorPlace::mirror_host);
}

// Runs `pulls` on every node at once; each returns the seconds its pulls
// took. The seconds by node, or nullopt with the benchmark stopped on the
// first node's error.
std::optional<std::vector<double>> on_every_node_at_once(benchmark::State& state, const std::vector<NodeInfo>& nodes,
                                                         const std::function<double(const NodeInfo&)>& pulls) {
  std::vector<double> seconds(nodes.size(), 0);
  const auto errors = errors_of_each_at_once(nodes.size(), [&](size_t i) { seconds[i] = pulls(nodes[i]); });
  for (const auto& e : errors) {
    if (!e.empty()) {
      state.SkipWithError(e.c_str());
      return std::nullopt;
    }
  }
  return seconds;
}

// Every node pulls the same image at once. distribution does not merge
// concurrent upstream fetches of a blob it has not cached, so the upstream
// serves the image about once per node; prewarmed, it serves nothing.
// Manual time = the slowest node's pull; counters: the mean node's time and
// upstream amplification (upstream blob bytes / image bytes).
void herd_pulls(benchmark::State& state, const BenchImage* bench, bool prewarm) {
  std::string why;
  auto* env = attached_environment(&why);
  if (!env) return state.SkipWithError(why.c_str());
  const auto nodes = env->nodes();
  for (auto _ : state) {
    const std::string ref = publish_uncached_copy(env->upstream(), bench->image, "herd");
    if (ref.empty()) return state.SkipWithError("the hub refused a blob mount");
    for (const auto& n : nodes) {
      if (!env->remove_image(n.name, ref, content_for(bench->image, platform()), 60s)) {
        return state.SkipWithError("a node still holds blobs of the image");
      }
    }
    const size_t before_prewarm = env->upstream_access_log().size();
    if (prewarm) {
      auto r = prewarm_image(env->mirror(), ref, platform(), {});
      if (r.status != PrewarmStatus::cached_now) return state.SkipWithError(("prewarm failed: " + r.reason).c_str());
      // Prewarmed means stored: distribution's storing fetch can outlive prewarm's own.
      if (auto stored = wait_until_stored(env->registry_data(), r, 60s); !stored) {
        return state.SkipWithError(("prewarm: " + stored.last_error).c_str());
      }
    }
    const size_t mark = env->upstream_access_log().size();
    const auto seconds = on_every_node_at_once(
        state, nodes, [&](const NodeInfo& node) { return env->pull_image(node.name, ref, 30min).seconds; });
    if (!seconds) return;
    state.SetIterationTime(*std::max_element(seconds->begin(), seconds->end()));
    if (!wait_stored(state, *env, ref, bench->image)) return;
    report_counters(state, *env, bench->image, mark);
    if (prewarm) {
      // What the prewarm itself cost: everything counted since before it, less the herd's.
      state.counters["prewarm_docker_hub_pulls"] =
          upstream_since(*env, before_prewarm).pulls_counted - state.counters["docker_hub_pulls"];
    }
    state.counters["nodes"] = static_cast<double>(nodes.size());
    state.counters["mean_node_seconds"] = std::accumulate(seconds->begin(), seconds->end(), 0.0) / seconds->size();
  }
}

void BM_Herd(benchmark::State& state, const BenchImage* bench) { herd_pulls(state, bench, false); }
void BM_HerdPrewarmed(benchmark::State& state, const BenchImage* bench) { herd_pulls(state, bench, true); }

// The images of a cluster's mixed list: every test image of the
// environment's list (docker.io's and each other registry's); in the quick
// profile those under 20 MB, so that a repetition through a 100 Mbit/s link
// without caches takes seconds, not minutes.
std::vector<const TestImage*> cluster_images(bool full) {
  std::vector<const TestImage*> out;
  for (const auto* image : every_test_image()) {
    if (full || image->bytes_for(platform()) <= 20'000'000) out.push_back(image);
  }
  return out;
}

// Each cached registry's hosts.toml on every node replaced by one that names
// only its server (no mirror), and put back when this goes: the nodes of a
// cluster without caches.
class WithoutCaches {
 public:
  explicit WithoutCaches(Environment& env) : env_(env) {
    for (const auto& registry : env.cached_registries()) {
      const std::string path = hosts_toml_path_of(registry);
      for (const auto& node : env.nodes()) {
        if (auto text = env.read_node_file(node.name, path)) {
          saved_.push_back({node.name, path, *text});
          env.write_node_file(node.name, path, "server = \"https://" + upstream_host(registry) + "\"\n");
        }
      }
    }
  }
  ~WithoutCaches() {
    for (const auto& s : saved_) env_.write_node_file(s.node, s.path, s.text);
  }

 private:
  struct Saved {
    std::string node, path, text;
  };
  Environment& env_;
  std::vector<Saved> saved_;
};

void cluster_pulls(benchmark::State& state, bool cached, bool full) {
  std::string why;
  auto* env = attached_environment(&why);
  if (!env) return state.SkipWithError(why.c_str());
  const auto images = cluster_images(full);
  const auto nodes = env->nodes();
  if (cached) {
    // The caches hold every image, stored, before the cluster comes.
    for (const auto* image : images) {
      const auto& ref = image->spec.ref;
      if (!env->cache(ref.domain) && ref.domain != kDockerIo) {
        return state.SkipWithError(("no cache of " + ref.domain + " in this run (--upstream " + ref.domain + ")").c_str());
      }
      if (const auto why = cache_and_store(*env, *image); !why.empty()) {
        return state.SkipWithError(("prewarm: " + why).c_str());
      }
    }
  }
  std::optional<WithoutCaches> direct;
  if (!cached) direct.emplace(*env);
  for (auto _ : state) {
    for (const auto& n : nodes) {
      for (const auto* image : images) {
        if (!env->remove_image(n.name, image->spec.ref.str(), content_for(*image, platform()), 60s)) {
          return state.SkipWithError("a node still holds blobs of a test image");
        }
      }
    }
    const size_t mark = env->upstream_access_log().size();
    // One image after another on each node, as kubelet pulls by default.
    const auto seconds = on_every_node_at_once(state, nodes, [&](const NodeInfo& node) {
      double total = 0;
      for (const auto* image : images) total += env->pull_image(node.name, image->spec.ref.str(), 30min).seconds;
      return total;
    });
    if (!seconds) return;
    state.SetIterationTime(*std::max_element(seconds->begin(), seconds->end()));
    const auto seen = upstream_since(*env, mark);
    double bytes = 0;
    std::set<std::string> registries;
    for (const auto* image : images) {
      bytes += static_cast<double>(image->bytes_for(platform()));
      registries.insert(image->spec.ref.domain);
    }
    state.counters["images"] = static_cast<double>(images.size());
    state.counters["registries"] = static_cast<double>(registries.size());
    state.counters["nodes"] = static_cast<double>(nodes.size());
    state.counters["bytes"] = bytes * static_cast<double>(nodes.size());
    state.counters["upstream_bytes"] = static_cast<double>(seen.blob_bytes);
    state.counters["docker_hub_pulls"] = seen.pulls_counted;
    state.counters["fallback_nodes"] = seen.fallback_nodes;
  }
}

// What the harness adds to a measured pull: one call into the node's image
// service the way the backend makes it (local: a CRI round trip on a new
// gRPC channel; kind: `docker exec NODE crictl inspecti`).
void BM_HarnessOverhead(benchmark::State& state) {
  std::string why;
  auto* env = attached_environment(&why);
  if (!env) return state.SkipWithError(why.c_str());
  const auto node = node_name();
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(env->image_id(node, "docker.io/library/busybox:1.36"));
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
}

std::string label_of(const TestImage& image) {
  auto repo = image.spec.ref.repository;
  auto dash = repo.find("bench-");
  return dash == std::string::npos ? repo : repo.substr(dash + 6);
}

}  // namespace
}  // namespace mirrorgate

int main(int argc, char** argv) {
  using namespace mirrorgate;
  benchmark::Initialize(&argc, argv);
  backtrace(nullptr, 0);  // loads libgcc now, not inside the handler
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, report_crash);
  std::string why;
  auto* env = attached_environment(&why);
  if (!env) {
    std::cerr << "pull_benchmark: " << why << "\n";
    return 1;
  }
  std::vector<std::filesystem::path> lists{shipped_file("fixtures/bench-images.yaml")};
  const char* profile = std::getenv("MIRRORGATE_BENCH_PROFILE");
  const bool full = profile && std::string(profile) == "full";
  if (full) lists.push_back(shipped_file("fixtures/bench-images-full.yaml"));
  TestImageStore store(env->image_store());
  image_store() = &store;
  for (const auto& list : lists) {
    for (const auto& spec : load_test_image_list(list)) {
      auto image = store.build(spec);
      push_test_image(env->upstream(), image, store);
      bench_images().push_back({image, label_of(image)});
      // The report's environment block names exactly what was pulled.
      benchmark::AddCustomContext("fixture " + label_of(image), image.spec.ref.str() + "@" + image.top.digest);
    }
  }
  int repetitions = 5;
  if (const char* r = std::getenv("MIRRORGATE_BENCH_REPETITIONS"); r && *r) repetitions = std::max(1, std::atoi(r));
  // Each repetition is a benchmark of its own, registered `repetitions` times
  // under one name (the report groups samples by name and computes its own
  // statistics). Google Benchmark 1.7's own repetitions crash computing their
  // aggregates when some repetitions were skipped with an error and others
  // not (google/benchmark#1406, #2206): a flaky pull must be reported, not
  // take the whole run down.
  auto register_once = [&](const char* name, std::function<void(benchmark::State&)> fn, int iterations) {
    benchmark::RegisterBenchmark(name, [name, fn](benchmark::State& state) {
      running_benchmark = name;
      fn(state);
    })
        ->UseManualTime()
        ->Iterations(iterations)
        ->Unit(benchmark::kMillisecond);
  };
  // Repetition by repetition, every mode of every image once, warm beside
  // floor: the modes a target compares are measured minutes apart otherwise,
  // and on a noisy machine what else runs then moves one and not the other.
  using Fn = void (*)(benchmark::State&, const BenchImage*);
  // The modes a target holds against each other take a few hundred ms a
  // pull: they run kComparedPullsPerRepetition rounds per repetition, each
  // round one pull of each, one after the other, so that each pair is
  // measured together and one stray pull does not decide a 5 % target.
  const std::pair<const char*, Fn> before[] = {{"cold", BM_Cold}};
  const std::pair<const char*, Fn> compared[] = {{"warm", BM_Warm},
                                                 {"warm-digest", BM_WarmDigest},
                                                 {"floor", BM_Floor},
                                                 {"floor-same-path", BM_FloorSamePath}};
  const std::pair<const char*, Fn> after[] = {{"direct", BM_Direct},
                                              {"direct-unshaped", BM_DirectUnshaped},
                                              {"herd", BM_Herd},
                                              {"herd-prewarmed", BM_HerdPrewarmed}};
  std::map<std::string, const char*> names;  // outlive the run: the crash report reads them
  auto add = [&](const BenchImage& b, const char* mode, Fn fn) {
    // A herd of a 100 MB image costs the upstream ~2 x 100 MB per node per
    // repetition: the quick profile herds the small images only.
    const bool herd = std::string(mode).rfind("herd", 0) == 0;
    if (herd && !full && b.image.bytes_for(platform()) > 20'000'000) return;
    const std::string name = std::string("pull/") + mode + "/" + b.label;
    auto [it, fresh] = names.emplace(name, nullptr);
    if (fresh) it->second = strdup(name.c_str());
    register_once(it->second, [fn = fn, &b](benchmark::State& state) { fn(state, &b); }, 1);
  };
  for (int i = 0; i < repetitions; ++i) {
    for (const auto& b : bench_images()) {
      for (auto [mode, fn] : before) add(b, mode, fn);
      for (int round = 0; round < kComparedPullsPerRepetition; ++round) {
        for (auto [mode, fn] : compared) add(b, mode, fn);
      }
      for (auto [mode, fn] : after) add(b, mode, fn);
    }
  }
  for (int i = 0; i < repetitions; ++i) {
    for (const bool cached : {true, false}) {
      register_once(cached ? "pull/cluster-cached/mixed-list" : "pull/cluster-direct/mixed-list",
                    [cached, full](benchmark::State& state) { cluster_pulls(state, cached, full); }, 1);
    }
  }
  for (int i = 0; i < repetitions; ++i) register_once("harness_overhead/cri_round_trip", BM_HarnessOverhead, 20);
  benchmark::RunSpecifiedBenchmarks();
  for (const auto place : {FloorPlace::node_loopback, FloorPlace::mirror_host}) {
    if (floor_state(place).registry) env->stop_floor_registry(place);
  }
  benchmark::Shutdown();
  return 0;
}
