#include "core/files.h"

#include <openssl/evp.h>
#include <sys/statvfs.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

namespace mirrorgate {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  auto content = read_file_if_exists(path);
  if (!content) throw std::runtime_error("cannot read " + path.string() + ": no such file");
  return *content;
}

std::optional<std::string> read_file_if_exists(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read " + path.string());
  return out.str();
}

void write_file_atomic(const fs::path& path, const std::string& content, fs::perms perms) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out << content;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::permissions(tmp, perms);
  fs::rename(tmp, path);
}

bool is_strictly_under(const fs::path& path, const fs::path& dir) {
  if (!path.is_absolute() || !dir.is_absolute()) return false;
  const fs::path p = path.lexically_normal();
  const fs::path d = dir.lexically_normal();
  const fs::path rel = p.lexically_relative(d);
  return !rel.empty() && rel != "." && *rel.begin() != "..";
}

void remove_owned_tree(const fs::path& path, const fs::path& owner) {
  if (!is_strictly_under(path, owner)) {
    throw std::runtime_error("refusing to remove " + path.string() + ": not inside " + owner.string());
  }
  const fs::path rel = path.lexically_normal().lexically_relative(owner.lexically_normal());
  fs::path at = owner.lexically_normal();
  for (auto it = rel.begin(); it != rel.end(); ++it) {
    at /= *it;
    if (std::next(it) == rel.end()) break;  // the tree itself: a link there is removed, not followed
    std::error_code ec;
    const auto status = fs::symlink_status(at, ec);
    if (ec || status.type() == fs::file_type::not_found) return;  // nothing below to remove
    if (status.type() != fs::file_type::directory) {
      throw std::runtime_error("refusing to remove " + path.string() + ": " + at.string() + " is not a directory");
    }
  }
  fs::remove_all(path);
}

namespace {

// Why `st` is not safe to hold mirrorgate's state; empty when it is.
std::string unsafe_because(const struct stat& st, bool is_leaf) {
  const uid_t me = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != me) return "is owned by uid " + std::to_string(st.st_uid);
  const bool sticky = st.st_mode & S_ISVTX;
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (is_leaf || !sticky)) return "is writable by group or others";
  return "";
}

}  // namespace

void check_private_dir(const fs::path& dir, const std::string& flag, bool create) {
  const fs::path full = fs::absolute(dir).lexically_normal();
  std::vector<fs::path> chain;  // "/", "/var", "/var/lib", "/var/lib/mirrorgate"
  fs::path at = full.root_path();
  chain.push_back(at);
  for (const auto& part : full.relative_path()) {
    if (part.empty()) continue;
    at /= part;
    chain.push_back(at);
  }
  auto refuse = [&](const std::string& what) { return bad_flag(flag + " " + dir.string(), what); };
  for (size_t i = 0; i < chain.size(); ++i) {
    const fs::path& here = chain[i];
    const bool leaf = i + 1 == chain.size();
    struct stat st {};
    if (::lstat(here.c_str(), &st) != 0) {
      if (errno != ENOENT) throw refuse("cannot inspect " + here.string() + ": " + std::strerror(errno));
      if (!create) return;  // nothing there yet: nothing to trust or to remove
      if (::mkdir(here.c_str(), 0755) != 0 && errno != EEXIST) {
        throw refuse("cannot create " + here.string() + ": " + std::strerror(errno));
      }
      if (::lstat(here.c_str(), &st) != 0) throw refuse("cannot inspect " + here.string() + ": " + std::strerror(errno));
    }
    if (S_ISLNK(st.st_mode)) {
      if (leaf) {
        throw refuse(here.string() + " is a symbolic link; as root mirrorgate keeps its state only in a real directory. "
                     "Give the link's target, or remove the link.");
      }
      // A link above it (/var/run -> /run) is the machine's layout when root or we own it; its target is checked instead.
      if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
        throw refuse(here.string() + " is a symbolic link owned by uid " + std::to_string(st.st_uid) +
                     "; use a state directory whose path only root controls (default /var/lib/mirrorgate).");
      }
      if (::stat(here.c_str(), &st) != 0) throw refuse("cannot follow " + here.string() + ": " + std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) throw refuse(here.string() + " is not a directory");
    if (const auto why = unsafe_because(st, leaf); !why.empty() && leaf && (st.st_mode & S_ISVTX)) {
      throw refuse(here.string() + " is a shared directory (others can create entries in it); give a directory of "
                   "mirrorgate's own inside it, e.g. " + (here / "mirrorgate").string());
    } else if (!why.empty()) {
      throw refuse(here.string() + " " + why + ", so another user could change what mirrorgate removes and stops as root. "
                   "Fix it (`chown root: " + here.string() + " && chmod go-w " + here.string() +
                   "`) or use a state directory that only root can write (default /var/lib/mirrorgate).");
    }
  }
}

std::string octal_mode(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "unknown";
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return text;
}

void make_traversable_dir(const fs::path& dir, const std::string& who) {
  const fs::path full = fs::absolute(dir).lexically_normal();
  fs::path at = full.root_path();
  for (const auto& part : full.relative_path()) {
    if (part.empty()) continue;
    at /= part;
    struct stat st {};
    if (::stat(at.c_str(), &st) != 0) {
      if (errno != ENOENT) throw std::runtime_error("cannot inspect " + at.string() + ": " + std::strerror(errno));
      if (::mkdir(at.c_str(), 0755) != 0 && errno != EEXIST) {
        throw std::runtime_error("cannot create " + at.string() + ": " + std::strerror(errno));
      }
      // mkdir applies the umask (077 leaves 0700): set the mode itself.
      if (::chmod(at.c_str(), 0755) != 0) {
        throw std::runtime_error("cannot set the mode of " + at.string() + ": " + std::strerror(errno));
      }
      continue;
    }
    if (!S_ISDIR(st.st_mode)) throw std::runtime_error(at.string() + " is not a directory");
    if (!(st.st_mode & S_IXOTH)) {
      throw missing_prerequisite(at.string() + " has mode " + octal_mode(at) + ": " + who +
                                 " cannot enter it to reach " + full.string() + ". Let others search it (`chmod o+x " +
                                 at.string() + "`) or remove it so that mirrorgate creates it with mode 0755.");
    }
  }
}

namespace {

struct DigestCtx {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  DigestCtx() { EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr); }
  void update(const void* data, size_t size) { EVP_DigestUpdate(ctx.get(), data, size); }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md.data(), &len);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
      out += digits[md[i] >> 4];
      out += digits[md[i] & 0xf];
    }
    return out;
  }
};

}  // namespace

std::string sha256_hex(const std::string& data) {
  DigestCtx d;
  d.update(data.data(), data.size());
  return d.hex();
}

std::optional<DiskSpace> disk_space(const fs::path& path) {
  struct statvfs vfs {};
  if (::statvfs(path.c_str(), &vfs) != 0) return std::nullopt;
  return DiskSpace{static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize,
                   static_cast<std::uint64_t>(vfs.f_blocks) * vfs.f_frsize};
}

std::string sha256_file_hex(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  DigestCtx d;
  std::array<char, 1 << 16> buf{};
  while (in) {
    in.read(buf.data(), buf.size());
    d.update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  return d.hex();
}

}  // namespace mirrorgate
