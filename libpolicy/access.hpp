// The Landlock access model, ABI 1 to 9: every right, the ABI that introduced it, and the
// groups of the landlockconfig format. Bit values are the kernel's UAPI values, so a set
// compiles to the syscalls unchanged.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llh {

using FsAccess = std::uint64_t;   // LANDLOCK_ACCESS_FS_* bits
using NetAccess = std::uint64_t;  // LANDLOCK_ACCESS_NET_* bits
using Scopes = std::uint64_t;     // LANDLOCK_SCOPE_* bits

inline constexpr int kMaxKnownAbi = 9;

namespace fs {
inline constexpr FsAccess execute = 1ULL << 0;       // ABI 1
inline constexpr FsAccess write_file = 1ULL << 1;    // ABI 1
inline constexpr FsAccess read_file = 1ULL << 2;     // ABI 1
inline constexpr FsAccess read_dir = 1ULL << 3;      // ABI 1
inline constexpr FsAccess remove_dir = 1ULL << 4;    // ABI 1
inline constexpr FsAccess remove_file = 1ULL << 5;   // ABI 1
inline constexpr FsAccess make_char = 1ULL << 6;     // ABI 1
inline constexpr FsAccess make_dir = 1ULL << 7;      // ABI 1
inline constexpr FsAccess make_reg = 1ULL << 8;      // ABI 1
inline constexpr FsAccess make_sock = 1ULL << 9;     // ABI 1
inline constexpr FsAccess make_fifo = 1ULL << 10;    // ABI 1
inline constexpr FsAccess make_block = 1ULL << 11;   // ABI 1
inline constexpr FsAccess make_sym = 1ULL << 12;     // ABI 1
inline constexpr FsAccess refer = 1ULL << 13;        // ABI 2
inline constexpr FsAccess truncate = 1ULL << 14;     // ABI 3
inline constexpr FsAccess ioctl_dev = 1ULL << 15;    // ABI 5
inline constexpr FsAccess resolve_unix = 1ULL << 16; // ABI 9
}  // namespace fs

namespace net {
inline constexpr NetAccess bind_tcp = 1ULL << 0;     // ABI 4
inline constexpr NetAccess connect_tcp = 1ULL << 1;  // ABI 4
}  // namespace net

namespace scope {
inline constexpr Scopes abstract_unix_socket = 1ULL << 0;  // ABI 6
inline constexpr Scopes signal = 1ULL << 1;                // ABI 6
}  // namespace scope

// landlock_restrict_self() flags.
namespace restrict_flag {
inline constexpr std::uint32_t log_same_exec_off = 1U << 0;   // ABI 7
inline constexpr std::uint32_t log_new_exec_on = 1U << 1;     // ABI 7
inline constexpr std::uint32_t log_subdomains_off = 1U << 2;  // ABI 7
inline constexpr std::uint32_t tsync = 1U << 3;               // ABI 8
}  // namespace restrict_flag

// The ABI that introduced restrict flags at all (audit logging).
inline constexpr int kLogFlagsAbi = 7;
inline constexpr int kTsyncAbi = 8;

struct RightInfo {
    std::string_view name;  // landlockconfig spelling
    std::uint64_t bit;
    int abi;  // first ABI that knows this right
};

inline constexpr std::array<RightInfo, 17> kFsRights{{
    {"execute", fs::execute, 1},
    {"write_file", fs::write_file, 1},
    {"read_file", fs::read_file, 1},
    {"read_dir", fs::read_dir, 1},
    {"remove_dir", fs::remove_dir, 1},
    {"remove_file", fs::remove_file, 1},
    {"make_char", fs::make_char, 1},
    {"make_dir", fs::make_dir, 1},
    {"make_reg", fs::make_reg, 1},
    {"make_sock", fs::make_sock, 1},
    {"make_fifo", fs::make_fifo, 1},
    {"make_block", fs::make_block, 1},
    {"make_sym", fs::make_sym, 1},
    {"refer", fs::refer, 2},
    {"truncate", fs::truncate, 3},
    {"ioctl_dev", fs::ioctl_dev, 5},
    {"resolve_unix", fs::resolve_unix, 9},
}};

inline constexpr std::array<RightInfo, 2> kNetRights{{
    {"bind_tcp", net::bind_tcp, 4},
    {"connect_tcp", net::connect_tcp, 4},
}};

inline constexpr std::array<RightInfo, 2> kScopes{{
    {"abstract_unix_socket", scope::abstract_unix_socket, 6},
    {"signal", scope::signal, 6},
}};

// Rights that a non-directory can hold (the kernel's ACCESS_FILE); the others only make
// sense beneath a directory and make landlock_add_rule() fail with EINVAL on a file.
inline constexpr FsAccess kFsFileRights =
    fs::execute | fs::write_file | fs::read_file | fs::truncate | fs::ioctl_dev | fs::resolve_unix;

// Every right of a kind that the given ABI knows (abi clamped to 0..kMaxKnownAbi).
FsAccess fs_all(int abi);
NetAccess net_all(int abi);
Scopes scopes_all(int abi);

// landlockconfig groups, as upstream defines them for a given ABI:
// read_execute = execute, read_file, read_dir (+ refer from ABI 2); read_write = all but execute.
FsAccess fs_read_execute(int abi);
FsAccess fs_read_write(int abi);

// Lookups by landlockconfig name; nullopt for an unknown name.
std::optional<FsAccess> fs_right_by_name(std::string_view name);
std::optional<NetAccess> net_right_by_name(std::string_view name);
std::optional<Scopes> scope_by_name(std::string_view name);

// "read_file, read_dir" style rendering, in table order; "none" for an empty set.
std::string fs_names(FsAccess set);
std::string net_names(NetAccess set);
std::string scope_names(Scopes set);

// The highest ABI any right in the set needs (0 for an empty set).
int fs_min_abi(FsAccess set);
int net_min_abi(NetAccess set);
int scopes_min_abi(Scopes set);

// What a rule may hold on an object of this kind: file rights only on a non-directory.
constexpr FsAccess rights_for_object(FsAccess allowed, bool is_directory) {
    return is_directory ? allowed : (allowed & kFsFileRights);
}

}  // namespace llh
