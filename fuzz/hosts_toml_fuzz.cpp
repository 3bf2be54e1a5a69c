// hosts.toml: parse, render, parse again — the same server and hosts.
#include "containerd/hosts_toml.h"
#include "fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mirrorgate;
  const auto text = fuzz::text_of(data, size);
  fuzz::bad_input_only([&] {
    const auto hosts = parse_hosts_toml(text, "fuzz-hosts.toml");
    const auto rendered = render_hosts_toml(hosts);
    HostsToml again;
    try {
      again = parse_hosts_toml(rendered, "rendered");
    } catch (const std::exception& e) {
      fuzz::bug(std::string("a rendered hosts.toml does not parse: ") + e.what() + "\n" + rendered);
    }
    if (again.server != hosts.server || again.hosts.size() != hosts.hosts.size()) fuzz::bug("round trip lost data:\n" + rendered);
    for (size_t i = 0; i < hosts.hosts.size(); ++i) {
      if (again.hosts[i].url != hosts.hosts[i].url || again.hosts[i].capabilities != hosts.hosts[i].capabilities) {
        fuzz::bug("round trip changed host " + hosts.hosts[i].url + ":\n" + rendered);
      }
    }
  });
  return 0;
}
