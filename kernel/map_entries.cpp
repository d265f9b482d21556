#include "kernel/map_entries.hpp"

#include <cstring>
#include <map>
#include <tuple>

namespace llh::cgroup {

llh_inode_key inode_key(std::uint32_t policy_id, const InodeIdentity& identity) {
    llh_inode_key key;
    std::memset(&key, 0, sizeof(key));
    key.policy_id = policy_id;
    key.generation = identity.generation;
    key.ino = identity.ino;
    key.dev = identity.dev;
    return key;
}

Result<MapEntries> compile_entries(const Policy& effective, std::uint32_t policy_id, std::uint32_t cgroup_level,
                                   const std::vector<InodeGrant>& grants) {
    if (policy_id == 0) return fail("internal error: policy id 0 is reserved");
    MapEntries entries;
    std::memset(&entries.domain, 0, sizeof(entries.domain));
    entries.domain.policy_id = policy_id;
    entries.domain.cgroup_level = cgroup_level;
    entries.domain.handled_fs = effective.handled_fs;
    entries.domain.handled_net = static_cast<__u32>(effective.handled_net);
    entries.domain.scoped = static_cast<__u32>(effective.scoped);

    std::map<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t>, std::size_t> inodes;
    for (const InodeGrant& grant : grants) {
        const FsAccess allowed = grant.allowed & effective.handled_fs;
        if (allowed == 0) continue;
        const auto id = std::make_tuple(grant.identity.dev, grant.identity.ino, grant.identity.generation);
        const auto [it, inserted] = inodes.emplace(id, entries.fs.size());
        if (inserted) {
            entries.fs.emplace_back(inode_key(policy_id, grant.identity), allowed);
        } else {
            entries.fs[it->second].second |= allowed;
        }
    }

    std::map<std::uint64_t, std::size_t> ports;
    for (const PortRule& rule : effective.ports) {
        const NetAccess allowed = rule.allowed & effective.handled_net;
        if (allowed == 0) continue;
        if (rule.port > 65535) {
            Error error{0, "port " + std::to_string(rule.port) + " is not a TCP port (0-65535)", {}, {}};
            if (!rule.origin.empty()) error = std::move(error).with_context(rule.origin);
            return tl::unexpected(std::move(error));
        }
        const auto [it, inserted] = ports.emplace(rule.port, entries.net.size());
        if (inserted) {
            llh_port_key key{};
            key.policy_id = policy_id;
            key.port = static_cast<__u32>(rule.port);
            entries.net.emplace_back(key, static_cast<__u32>(allowed));
        } else {
            entries.net[it->second].second |= static_cast<__u32>(allowed);
        }
    }
    return entries;
}

}  // namespace llh::cgroup
