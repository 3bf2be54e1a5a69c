#include "env/state.h"

#include <algorithm>

#include "core/error.h"
#include "core/files.h"

namespace mirrorgate {

using json = nlohmann::json;
namespace fs = std::filesystem;

void to_json(json& j, const DaemonHandle& d) {
  std::vector<std::string> exes;
  for (const auto& e : d.exes) exes.push_back(e.string());
  j = {{"pid", d.pid}, {"start_time", d.start_time}, {"exes", exes}};
}

void from_json(const json& j, DaemonHandle& d) {
  d.pid = j.value("pid", 0);
  d.start_time = j.value("start_time", 0ULL);
  d.exes.clear();
  for (const auto& e : j.value("exes", std::vector<std::string>{})) d.exes.emplace_back(e);
}

void to_json(json& j, const RunState& s) {
  j = {{"version", s.version},
       {"backend", s.backend},
       {"cluster", s.cluster},
       {"state_dir", s.state_dir.string()},
       {"created_at", s.created_at},
       {"complete", s.complete},
       {"files", {{"kind_config", s.files.kind_config.string()},
                  {"registry_config", s.files.registry_config.string()},
                  {"hosts_toml", s.files.hosts_toml.string()},
                  {"images", s.files.images.string()},
                  {"registry_start", s.files.registry_start.string()},
                  {"registry_front", s.files.registry_front.string()},
                  {"certs_d", s.files.certs_d.string()},
                  {"team", s.files.team.string()}}},
       {"hosts_toml_nodes", s.hosts_toml_nodes},
       {"hosts_toml_path", s.hosts_toml_path},
       {"platform", s.platform},
       {"containerd", s.containerd},
       {"registry", s.registry},
       {"registry_note", s.registry_note},
       {"image_store", s.image_store.string()},
       {"registry_data", s.registry_data.string()},
       {"registry_data_home", s.registry_data_home.string()},
       {"node_storage", s.node_storage},
       {"mirror", {{"url", s.mirror_url}, {"address", s.mirror_address}, {"front_address", s.front_address}}},
       {"harness_address", s.harness_address},
       {"start_timeout_s", s.start_timeout.count()},
       {"hub", {{"address", s.hub_address},
                {"data", s.hub_data.string()},
                {"ca_file", s.ca_file.string()},
                {"ca_bundle", s.ca_bundle.string()},
                {"upstream_rate", s.upstream_rate},
                {"quota", s.hub_quota},
                {"account_quota", s.hub_account_quota}}},
       {"seeded_images", json::array()},
       {"caches", json::array()},
       {"nodes", json::array()},
       {"machines", s.machines},
       {"team_cache_url", s.team_cache_url},
       {"backend_state", s.backend_state}};
  for (const auto& f : s.seeded_images) {
    j["seeded_images"].push_back({{"ref", f.ref}, {"digest", f.digest}, {"media_type", f.media_type}, {"bytes", f.bytes}});
  }
  for (const auto& n : s.nodes) {
    j["nodes"].push_back({{"name", n.name}, {"role", n.role}, {"address", n.address}, {"machine", n.machine}});
  }
  for (const auto& c : s.caches) {
    j["caches"].push_back({{"registry", c.registry}, {"url", c.url}, {"address", c.address}, {"data", c.data.string()}});
  }
}

void from_json(const json& j, RunState& s) {
  s.version = j.at("version");
  s.backend = j.at("backend");
  s.cluster = j.value("cluster", "");
  s.state_dir = j.value("state_dir", "");
  s.created_at = j.value("created_at", "");
  s.complete = j.value("complete", false);
  const auto& files = j.at("files");
  s.files.kind_config = files.value("kind_config", "");
  s.files.registry_config = files.value("registry_config", "");
  s.files.hosts_toml = files.value("hosts_toml", "");
  s.files.images = files.value("images", "");
  s.files.registry_start = files.value("registry_start", "");
  s.files.registry_front = files.value("registry_front", "");
  s.files.certs_d = files.value("certs_d", "");
  s.files.team = files.value("team", "");
  s.hosts_toml_nodes = j.value("hosts_toml_nodes", std::vector<std::string>{});
  s.hosts_toml_path = j.value("hosts_toml_path", "");
  s.platform = j.value("platform", "");
  s.containerd = j.value("containerd", "");
  s.registry = j.value("registry", "2.8");  // files of earlier runs: registry:2
  s.registry_note = j.value("registry_note", "");
  s.image_store = j.value("image_store", "");
  s.registry_data = j.value("registry_data", "");
  s.registry_data_home = j.value("registry_data_home", "");
  s.node_storage = j.value("node_storage", "");
  const auto& mirror = j.at("mirror");
  s.mirror_url = mirror.value("url", "");
  s.mirror_address = mirror.value("address", "");
  s.front_address = mirror.value("front_address", "");
  s.harness_address = j.value("harness_address", "");
  s.start_timeout = std::chrono::seconds(j.value("start_timeout_s", 30));
  const auto& hub = j.at("hub");
  s.hub_address = hub.value("address", "");
  s.hub_data = hub.value("data", "");
  s.ca_file = hub.value("ca_file", "");
  s.ca_bundle = hub.value("ca_bundle", "");
  s.upstream_rate = hub.value("upstream_rate", "");
  s.hub_quota = hub.value("quota", "");
  s.hub_account_quota = hub.value("account_quota", "");
  for (const auto& f : j.at("seeded_images")) {
    s.seeded_images.push_back({f.at("ref"), f.at("digest"), f.value("media_type", ""), f.value("bytes", 0ULL)});
  }
  for (const auto& n : j.at("nodes")) {
    s.nodes.push_back({n.at("name"), n.value("role", ""), n.value("address", ""), n.value("machine", 1)});
  }
  s.machines = j.value("machines", 1);
  s.team_cache_url = j.value("team_cache_url", "");
  for (const auto& c : j.value("caches", json::array())) {
    s.caches.push_back({c.at("registry"), c.value("url", ""), c.value("address", ""), c.value("data", "")});
  }
  s.backend_state = j.value("backend_state", json::object());
}

DownReport finish_down(const RunState& s, std::vector<std::string> problems, std::vector<std::string> leftovers) {
  DownReport report;
  report.had_environment = true;
  report.logs = s.run_dir();
  report.leftovers = std::move(leftovers);
  for (auto& p : problems) report.leftovers.push_back(std::move(p));
  if (report.leftovers.empty()) {
    std::error_code ec;
    fs::remove(state_file(s.state_dir), ec);
  }
  return report;
}

fs::path state_file(const fs::path& state_dir) { return state_dir / "state.json"; }

fs::path beside_state_dir(const fs::path& state_dir, int k) { return state_dir / "side-labs" / std::to_string(k); }

std::vector<fs::path> beside_state_dirs(const fs::path& state_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(state_dir / "side-labs", ec)) {
    if (!e.is_symlink() && e.is_directory() && fs::is_regular_file(state_file(e.path()))) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void save_state(const RunState& state) { write_file_atomic(state_file(state.state_dir), json(state).dump(2) + "\n"); }

std::optional<RunState> load_state(const fs::path& state_dir) {
  // What the file names is removed and stopped as root: only a file no other
  // user could have written is read.
  check_private_dir(state_dir, "--state");
  const auto path = state_file(state_dir);
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  if (ec || status.type() == fs::file_type::not_found) return std::nullopt;
  if (status.type() != fs::file_type::regular) {
    throw bad_input(path.string(), 0, "not a regular file (a link or a directory); mirrorgate reads only the state file it wrote");
  }
  auto text = read_file_if_exists(path);
  if (!text) return std::nullopt;
  json j;
  try {
    j = json::parse(*text);
  } catch (const json::exception& e) {
    throw bad_input(path.string(), 0, std::string("not a mirrorgate state file (") + e.what() +
                                          "); if nothing of that run is left, remove it and run `mirrorgate up` again");
  }
  const int version = j.is_object() && j.contains("version") && j["version"].is_number_integer() ? j["version"].get<int>() : 0;
  if (version != RunState::kVersion) {
    throw bad_input(path.string(), 0, "state file layout version " + std::to_string(version) + ", but this mirrorgate reads version " +
                                          std::to_string(RunState::kVersion) +
                                          "; take that run down with the mirrorgate that started it, or remove the file "
                                          "once nothing of that run is left");
  }
  try {
    auto state = j.get<RunState>();
    // The directory it was read from, whatever the file says: every path the
    // run may remove is checked against it.
    state.state_dir = fs::canonical(state_dir);
    if (state.created_at.empty() || state.created_at.find_first_not_of("0123456789TZ-:.") != std::string::npos) {
      throw bad_input(path.string(), 0, "created_at '" + state.created_at + "' is not a time stamp mirrorgate writes");
    }
    return state;
  } catch (const json::exception& e) {
    throw bad_input(path.string(), 0, std::string("not a mirrorgate state file (") + e.what() +
                                          "); if nothing of that run is left, remove it and run `mirrorgate up` again");
  }
}

}  // namespace mirrorgate
