// The stand-in's token service (auth.docker.io): bearer tokens as Docker Hub
// issues them (the distribution token spec) — a JWT signed ES256 with a lab
// key whose certificate rides in the header (x5c), so the hub (distribution's
// own `auth: token`, rootcertbundle = that certificate) verifies it as it
// verifies any token. Anonymous requests get pull access; an account's
// username and token (basic credentials) get pull, and push when the
// account may push.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mirrorgate {

inline constexpr const char* kTokenIssuer = "mirrorgate-lab-auth";
inline constexpr const char* kTokenService = "registry.docker.io";
inline constexpr const char* kSeederAccount = "mirrorgate-seeder";

struct Account {
  std::string username;
  std::string token;  // the password of the basic credentials
  bool push = false;
};

// accounts.json: {"accounts": [{"username": …, "token": …, "push": false}]}
std::vector<Account> load_accounts(const std::filesystem::path& file);
void save_accounts(const std::filesystem::path& file, const std::vector<Account>& accounts);

struct TokenGrant {
  int status = 200;      // 200, or 401 for wrong credentials
  std::string body;      // the JSON answer
  std::string account;   // who it was issued to; empty: anonymous
};

class TokenService {
 public:
  // key/cert: PEM files of the signing key and its certificate.
  TokenService(const std::filesystem::path& key, const std::filesystem::path& cert, std::vector<Account> accounts,
               std::chrono::seconds lifetime = std::chrono::seconds(300));
  ~TokenService();

  // GET /token?service=…&scope=…[&scope=…] with an optional Authorization header.
  TokenGrant issue(const std::string& query, const std::string& authorization) const;

 private:
  // The account a Basic authorization names; nullptr with grant set to 401.
  const Account* authenticate(const std::string& basic_authorization, TokenGrant& grant) const;
  struct Key;
  std::unique_ptr<Key> key_;
  std::string x5c_;  // the certificate, base64 DER
  std::vector<Account> accounts_;
  std::chrono::seconds lifetime_;
};

// The `sub` of a bearer token (the account it was issued to); empty for an
// anonymous token or anything that is not one of ours. The hub verifies the
// signature; this only reads who it names.
std::string token_subject(const std::string& authorization_header);

// The repositories a token request's scopes ask to pull
// ("scope=repository%3Aprometheus%2Fnode-exporter%3Apull" → prometheus/node-exporter).
std::vector<std::string> pull_scope_repositories(const std::string& query);

std::string base64url(const std::string& bytes);
std::optional<std::string> base64url_decode(const std::string& text);

}  // namespace mirrorgate
