// mirrorgate_hub_front: the Docker Hub stand-in's HTTPS front (hub/front.h),
// run by both backends beside the stand-in's docker-registry.
#include <CLI/CLI.hpp>

#include <iostream>

#include "core/error.h"
#include "hub/front.h"

using namespace mirrorgate;

int main(int argc, char** argv) {
  CLI::App app{"The Docker Hub stand-in's front: registry-1.docker.io with its pull quota, and auth.docker.io",
               "mirrorgate_hub_front"};
  FrontOptions o;
  std::string listen = "0.0.0.0:443", backend = "127.0.0.1:5000";
  std::string anonymous = format_quota(kDockerHubAnonymous), account = format_quota(kDockerHubPersonal);
  app.add_option("--listen", listen, "ADDRESS:PORT")->capture_default_str();
  app.add_option("--backend", backend, "the hub's docker-registry, ADDRESS:PORT (plain HTTP)")->capture_default_str();
  app.add_option("--tls-cert", o.tls_cert, "certificate for registry-1.docker.io, docker.io, auth.docker.io")->required();
  app.add_option("--tls-key", o.tls_key)->required();
  app.add_option("--token-key", o.token_key, "key that signs tokens")->required();
  app.add_option("--token-cert", o.token_cert, "its certificate (the hub's rootcertbundle)")->required();
  app.add_option("--accounts", o.accounts, "accounts.json")->required();
  app.add_option("--anonymous-quota", anonymous, "pulls per window per address")->capture_default_str();
  app.add_option("--account-quota", account, "pulls per window per account")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto split = [](const std::string& text, std::string& address, unsigned short& port) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) throw bad_flag(text, "expected ADDRESS:PORT");
    address = text.substr(0, colon);
    port = static_cast<unsigned short>(std::stoi(text.substr(colon + 1)));
  };
  try {
    split(listen, o.listen_address, o.listen_port);
    split(backend, o.backend_address, o.backend_port);
    o.anonymous = parse_quota(anonymous, "--anonymous-quota");
    o.account = parse_quota(account, "--account-quota");
    run_front(o);
  } catch (const std::exception& e) {
    std::cerr << "mirrorgate_hub_front: " << e.what() << "\n";
    return to_int(exit_code_of(e));
  }
}
