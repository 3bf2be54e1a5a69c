// The lab's DNS answers (hub/dns): packets from the network, so any bytes.
// Never an exception or a crash; an answer is one, to the same question id,
// with one question, and at most one A record of 4 bytes.
#include "fuzz/fuzz_target.h"
#include "hub/dns.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mirrorgate;
  const auto query = fuzz::text_of(data, size);
  const std::string hosts = "10.77.0.2\tregistry-1.docker.io production.cloudflare.docker.com\n10.77.0.3 kind-registry-front\n";
  std::string reply;
  try {
    reply = answer_dns(query, hosts);
  } catch (const std::exception& e) {
    fuzz::bug(std::string("answer_dns threw: ") + e.what());
  }
  if (reply.empty()) return 0;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(reply[i]); };
  if (reply.size() < 17 || reply.compare(0, 2, query, 0, 2) != 0) fuzz::bug("an answer without the question's id");
  if (!(byte(2) & 0x80)) fuzz::bug("an answer not marked as one");
  if (byte(4) != 0 || byte(5) != 1) fuzz::bug("an answer with other than one question");
  if (byte(6) != 0 || byte(7) > 1) fuzz::bug("more than one answer record");
  if (byte(7) == 0 && reply.size() > query.size()) fuzz::bug("no answer record, yet more than the question");
  if (byte(7) == 1) {
    const std::string record = reply.substr(reply.size() - 16);
    if (record.compare(0, 6, std::string("\xc0\x0c\x00\x01\x00\x01", 6)) != 0 || record[10] != 0 || record[11] != 4) {
      fuzz::bug("an answer record that is not one A record of the question's name");
    }
  }
  return 0;
}
