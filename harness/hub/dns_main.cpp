// mirrorgate_lab_dns: the embedded lab's DNS (hub/dns.h), for the one lab
// daemon that resolves through DNS only: kind-registry-front's nginx.
#include <CLI/CLI.hpp>
#include <boost/asio/ip/udp.hpp>

#include <fstream>
#include <iostream>
#include <iterator>

#include "core/error.h"
#include "hub/dns.h"

using namespace mirrorgate;
namespace net = boost::asio;

int main(int argc, char** argv) {
  CLI::App app{"The embedded lab's DNS: A records of the names in a hosts file, NXDOMAIN for others",
               "mirrorgate_lab_dns"};
  std::string listen = "127.0.0.11:53";
  std::string hosts = "/etc/hosts";
  app.add_option("--listen", listen, "ADDRESS:PORT (udp)")->capture_default_str();
  app.add_option("--hosts", hosts, "the hosts file the answers come from, read for each question")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw bad_flag("--listen " + listen, "expected ADDRESS:PORT");
    net::io_context io;
    net::ip::udp::socket socket(io, {net::ip::make_address(listen.substr(0, colon)),
                                     static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)))});
    // The lab waits for this line before it starts nginx.
    std::cerr << "lab DNS on " << listen << " (udp), names from " << hosts << std::endl;
    std::vector<char> packet(512);
    for (;;) {
      net::ip::udp::endpoint peer;
      boost::system::error_code ec;
      const size_t n = socket.receive_from(net::buffer(packet), peer, 0, ec);
      if (ec) continue;
      std::ifstream in(hosts);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const auto reply = answer_dns(std::string(packet.data(), n), text);
      if (!reply.empty()) socket.send_to(net::buffer(reply), peer, 0, ec);
    }
  } catch (const std::exception& e) {
    std::cerr << "mirrorgate_lab_dns: " << listen << ": " << e.what() << "\n";
    return to_int(exit_code_of(e));
  }
}
