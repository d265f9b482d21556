// A policy, already downgraded to cgroup mode's ABI, turned into the BPF map entries of one
// domain (kernel/llh_bpf_abi.h). Pure: the inode identities come in from the loader, so this is
// tested on any host.
#pragma once

#include <linux/types.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "kernel/llh_bpf_abi.h"
#include "libpolicy/policy.hpp"
#include "libpolicy/result.hpp"

namespace llh::cgroup {

// An inode as the programs see it (a struct llh_identity_slot).
struct InodeIdentity {
    std::uint32_t dev = 0;
    std::uint64_t ino = 0;
    std::uint32_t generation = 0;
};

// What one rule object is allowed, after object_rights().
struct InodeGrant {
    InodeIdentity identity;
    FsAccess allowed = 0;
};

struct MapEntries {
    llh_domain domain{};
    std::vector<std::pair<llh_inode_key, __u64>> fs;  // one entry per distinct inode
    std::vector<std::pair<llh_port_key, __u32>> net;  // one entry per distinct port
};

// Grants naming the same inode (two mounts of one file system, overlayfs' layers) merge with OR;
// so do ports. Rights outside the handled sets never reach a map. Fails on a port above 65535
// or a zero policy id.
Result<MapEntries> compile_entries(const Policy& effective, std::uint32_t policy_id, std::uint32_t cgroup_level,
                                   const std::vector<InodeGrant>& grants);

// The fs-rule key of one inode in one policy, padding zeroed (keys are compared as bytes).
llh_inode_key inode_key(std::uint32_t policy_id, const InodeIdentity& identity);

}  // namespace llh::cgroup
