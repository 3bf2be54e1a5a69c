// A crictl-compatible command for the test node image, built from the
// project's CRI client: the subcommands and output shapes of crictl that the
// kind backend uses (pull, inspecti, rmi, images, info, version). Real kind
// nodes carry the real crictl; this stands in where none can be downloaded.
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "containerd/cri_client.h"

namespace {

using json = nlohmann::json;
using mirrorgate::CriClient;

constexpr auto kPullTimeout = std::chrono::minutes(30);

int usage() {
  std::cerr << "usage: crictl [--runtime-endpoint unix:///run/containerd/containerd.sock] "
               "pull IMAGE | inspecti IMAGE | rmi IMAGE | images | info | version\n";
  return 2;
}

json image_json(const mirrorgate::CriImage& image) {
  return {{"id", image.id},
          {"repoTags", image.repo_tags},
          {"repoDigests", image.repo_digests},
          {"size", std::to_string(image.size)}};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string endpoint = "/run/containerd/containerd.sock";
  while (!args.empty() && args.front().rfind("-", 0) == 0) {
    std::string flag = args.front();
    args.erase(args.begin());
    if ((flag == "--runtime-endpoint" || flag == "-r" || flag == "--image-endpoint" || flag == "-i") && !args.empty()) {
      endpoint = args.front();
      args.erase(args.begin());
      if (endpoint.rfind("unix://", 0) == 0) endpoint = endpoint.substr(7);
    } else if (flag.rfind("--runtime-endpoint=", 0) == 0) {
      endpoint = flag.substr(flag.find('=') + 1);
      if (endpoint.rfind("unix://", 0) == 0) endpoint = endpoint.substr(7);
    } else {
      return usage();
    }
  }
  if (args.empty()) return usage();
  const std::string command = args[0];
  try {
    CriClient cri(endpoint);
    if (command == "version") {
      auto v = cri.version();
      std::cout << "Version:  0.1.0\nRuntimeName:  " << v.runtime_name << "\nRuntimeVersion:  " << v.runtime_version
                << "\nRuntimeApiVersion:  " << v.runtime_api_version << "\n";
    } else if (command == "pull" && args.size() == 2) {
      std::cout << "Image is up to date for " << cri.pull_image(args[1], kPullTimeout) << "\n";
    } else if (command == "inspecti" && args.size() == 2) {
      auto image = cri.image_status(args[1]);
      if (!image) {
        std::cerr << "no such image \"" << args[1] << "\" present\n";
        return 1;
      }
      std::cout << json{{"status", image_json(*image)}}.dump(2) << "\n";
    } else if (command == "rmi" && args.size() == 2) {
      cri.remove_image(args[1]);
      std::cout << "Deleted: " << args[1] << "\n";
    } else if (command == "images") {
      json list = json::array();
      for (const auto& image : cri.list_images()) list.push_back(image_json(image));
      std::cout << json{{"images", list}}.dump(2) << "\n";
    } else if (command == "info") {
      // As crictl: each entry of the verbose info map, parsed as JSON.
      json out = json::object();
      for (const auto& [key, value] : cri.status_info()) {
        auto parsed = json::parse(value, nullptr, false);
        out[key] = parsed.is_discarded() ? json(value) : parsed;
      }
      std::cout << out.dump(2) << "\n";
    } else {
      return usage();
    }
  } catch (const std::exception& e) {
    std::cerr << "crictl " << command << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
