// The Landlock UAPI up to ABI 9, defined here because Debian 12's linux-libc-dev (6.1) stops at
// ABI 2. Names carry an llh_ prefix so they never clash with a newer system header.
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace llh::uapi {

#ifndef __NR_landlock_create_ruleset
inline constexpr long nr_create_ruleset = 444;
inline constexpr long nr_add_rule = 445;
inline constexpr long nr_restrict_self = 446;
#else
inline constexpr long nr_create_ruleset = __NR_landlock_create_ruleset;
inline constexpr long nr_add_rule = __NR_landlock_add_rule;
inline constexpr long nr_restrict_self = __NR_landlock_restrict_self;
#endif

inline constexpr std::uint32_t create_ruleset_version = 1U << 0;  // ABI 1
inline constexpr std::uint32_t create_ruleset_errata = 1U << 1;   // ABI 1 (errata query)

inline constexpr int rule_path_beneath = 1;  // ABI 1
inline constexpr int rule_net_port = 2;      // ABI 4

struct ruleset_attr {
    std::uint64_t handled_access_fs;   // ABI 1
    std::uint64_t handled_access_net;  // ABI 4
    std::uint64_t scoped;              // ABI 6
};

struct __attribute__((packed)) path_beneath_attr {
    std::uint64_t allowed_access;
    std::int32_t parent_fd;
};

struct net_port_attr {
    std::uint64_t allowed_access;
    std::uint64_t port;
};

// The ruleset_attr size a kernel of this ABI accepts (older kernels reject unknown trailing
// fields only when non-zero, but passing the exact size keeps errors meaningful).
constexpr std::size_t ruleset_attr_size(int abi) {
    return abi >= 6 ? sizeof(ruleset_attr) : abi >= 4 ? 2 * sizeof(std::uint64_t) : sizeof(std::uint64_t);
}

}  // namespace llh::uapi
