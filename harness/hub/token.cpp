#include "hub/token.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <ctime>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/files.h"

namespace mirrorgate {

using json = nlohmann::json;

namespace {

std::string base64(const unsigned char* data, size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

std::optional<std::string> base64_decode(std::string text) {
  while (text.size() % 4) text += '=';
  std::string out(text.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++pad;
  out.resize(static_cast<size_t>(n) - std::min(pad, static_cast<size_t>(n)));
  return out;
}

std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::strtol(s.substr(i + 1, 2).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

std::string rfc3339(std::time_t t) {
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

std::string base64url(const std::string& bytes) {
  std::string out = base64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::optional<std::string> base64url_decode(const std::string& text) {
  std::string t = text;
  for (auto& c : t) c = c == '-' ? '+' : c == '_' ? '/' : c;
  return base64_decode(t);
}

std::vector<Account> load_accounts(const std::filesystem::path& file) {
  auto text = read_file_if_exists(file);
  if (!text) return {};
  const auto j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("accounts") || !j["accounts"].is_array()) {
    throw bad_input(file.string(), 0, "expected {\"accounts\": [{\"username\": …, \"token\": …}]}");
  }
  std::vector<Account> out;
  for (const auto& a : j["accounts"]) {
    out.push_back({a.value("username", ""), a.value("token", ""), a.value("push", false)});
  }
  return out;
}

void save_accounts(const std::filesystem::path& file, const std::vector<Account>& accounts) {
  json j = {{"accounts", json::array()}};
  for (const auto& a : accounts) j["accounts"].push_back({{"username", a.username}, {"token", a.token}, {"push", a.push}});
  write_file_atomic(file, j.dump(2) + "\n", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

struct TokenService::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

TokenService::TokenService(const std::filesystem::path& key, const std::filesystem::path& cert,
                           std::vector<Account> accounts, std::chrono::seconds lifetime)
    : key_(std::make_unique<Key>()), accounts_(std::move(accounts)), lifetime_(lifetime) {
  FILE* kf = std::fopen(key.c_str(), "r");
  if (!kf) throw std::runtime_error("cannot read the token signing key " + key.string());
  key_->pkey = PEM_read_PrivateKey(kf, nullptr, nullptr, nullptr);
  std::fclose(kf);
  if (!key_->pkey) throw std::runtime_error(key.string() + " is not a PEM private key");
  FILE* cf = std::fopen(cert.c_str(), "r");
  if (!cf) throw std::runtime_error("cannot read the token certificate " + cert.string());
  X509* x = PEM_read_X509(cf, nullptr, nullptr, nullptr);
  std::fclose(cf);
  if (!x) throw std::runtime_error(cert.string() + " is not a PEM certificate");
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  X509_free(x);
  if (len <= 0) throw std::runtime_error(cert.string() + ": cannot encode the certificate (i2d_X509 failed)");
  x5c_ = base64(der, static_cast<size_t>(len));
  OPENSSL_free(der);
}

TokenService::~TokenService() = default;

namespace {

struct TokenQuery {
  std::string service;
  std::vector<std::string> scopes;  // "repository:library/redis:pull,push"
};

TokenQuery parse_token_query(const std::string& query) {
  TokenQuery q;
  std::istringstream params(query);
  for (std::string kv; std::getline(params, kv, '&');) {
    const auto eq = kv.find('=');
    const std::string key = kv.substr(0, eq), value = eq == std::string::npos ? "" : url_decode(kv.substr(eq + 1));
    if (key == "service") q.service = value;
    // One scope parameter may hold several, space-separated (as
    // distribution's challenges write them).
    if (key == "scope") {
      std::istringstream each(value);
      for (std::string scope; each >> scope;) q.scopes.push_back(scope);
    }
  }
  return q;
}

}  // namespace

std::vector<std::string> pull_scope_repositories(const std::string& query) {
  std::vector<std::string> out;
  for (const auto& scope : parse_token_query(query).scopes) {
    const auto first = scope.find(':'), last = scope.rfind(':');
    if (first == std::string::npos || last == first || scope.substr(0, first) != "repository") continue;
    std::istringstream actions(scope.substr(last + 1));
    for (std::string action; std::getline(actions, action, ',');) {
      if (action == "pull") out.push_back(scope.substr(first + 1, last - first - 1));
    }
  }
  return out;
}

namespace {

// The access a token grants: pull to anyone, push to accounts that may.
json granted_access(const std::vector<std::string>& scopes, const Account* account) {
  json access = json::array();
  for (const auto& scope : scopes) {
    const auto first = scope.find(':'), last = scope.rfind(':');
    if (first == std::string::npos || last == first || scope.substr(0, first) != "repository") continue;
    json actions = json::array();
    std::istringstream asked(scope.substr(last + 1));
    for (std::string action; std::getline(asked, action, ',');) {
      if (action == "pull" || (action == "push" && account && account->push)) actions.push_back(action);
    }
    access.push_back({{"type", "repository"}, {"name", scope.substr(first + 1, last - first - 1)}, {"actions", actions}});
  }
  return access;
}

// ES256 in JOSE form: r and s, 32 bytes each, not OpenSSL's DER. Every
// OpenSSL result is checked: a failure throws, naming the step.
std::string es256_sign(EVP_PKEY* key, const std::string& input) {
  auto fail = [](const char* step) { throw std::runtime_error(std::string("cannot sign a token: ") + step + " failed"); };
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx) fail("EVP_MD_CTX_new");
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  size_t der_len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) fail("EVP_DigestSignInit");
  if (EVP_DigestSign(ctx.get(), nullptr, &der_len, data, input.size()) != 1) fail("EVP_DigestSign (length)");
  std::string der(der_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len, data, input.size()) != 1) {
    fail("EVP_DigestSign");
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)),
                                                            ECDSA_SIG_free);
  if (!sig) fail("d2i_ECDSA_SIG (the key is not an EC key?)");
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32) {
    fail("BN_bn2binpad (not a P-256 signature)");
  }
  return raw;
}

}  // namespace

const Account* TokenService::authenticate(const std::string& authorization, TokenGrant& grant) const {
  const auto decoded = base64_decode(authorization.substr(6)).value_or("");
  const auto colon = decoded.find(':');
  for (const auto& a : accounts_) {
    if (colon != std::string::npos && a.username == decoded.substr(0, colon) && a.token == decoded.substr(colon + 1)) {
      grant.account = a.username;
      return &a;
    }
  }
  grant.status = 401;
  grant.body = json{{"details", "incorrect username or password"}}.dump();
  grant.account = colon == std::string::npos ? "" : decoded.substr(0, colon);
  return nullptr;
}

TokenGrant TokenService::issue(const std::string& query, const std::string& authorization) const {
  TokenGrant grant;
  const auto q = parse_token_query(query);
  const Account* account = nullptr;
  if (authorization.rfind("Basic ", 0) == 0) {
    account = authenticate(authorization, grant);
    if (!account) return grant;
  }
  unsigned char jti[16];
  if (RAND_bytes(jti, sizeof jti) != 1) throw std::runtime_error("cannot issue a token: RAND_bytes failed");
  const std::time_t now = std::time(nullptr);
  const json header = {{"alg", "ES256"}, {"typ", "JWT"}, {"x5c", json::array({x5c_})}};
  const json claims = {{"iss", kTokenIssuer},
                       {"sub", account ? account->username : ""},
                       {"aud", q.service.empty() ? kTokenService : q.service},
                       {"exp", now + lifetime_.count()},
                       {"nbf", now - 10},
                       {"iat", now},
                       {"jti", base64url(std::string(reinterpret_cast<char*>(jti), sizeof jti))},
                       {"access", granted_access(q.scopes, account)}};
  const std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
  const std::string token = input + "." + base64url(es256_sign(key_->pkey, input));
  grant.body = json{{"token", token}, {"access_token", token}, {"expires_in", lifetime_.count()},
                    {"issued_at", rfc3339(now)}}.dump();
  return grant;
}

std::string token_subject(const std::string& authorization) {
  if (authorization.rfind("Bearer ", 0) != 0) return "";
  const std::string token = authorization.substr(7);
  const auto first = token.find('.'), second = token.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) return "";
  const auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
  if (!payload) return "";
  const auto j = json::parse(*payload, nullptr, false);
  return j.is_object() ? j.value("sub", "") : "";
}

}  // namespace mirrorgate
