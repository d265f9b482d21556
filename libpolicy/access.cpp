#include "libpolicy/access.hpp"

#include <algorithm>
#include <span>

namespace llh {
namespace {

int clamp_abi(int abi) { return std::clamp(abi, 0, kMaxKnownAbi); }

std::uint64_t all_of(std::span<const RightInfo> table, int abi) {
    abi = clamp_abi(abi);
    std::uint64_t set = 0;
    for (const auto& right : table) {
        if (right.abi <= abi) set |= right.bit;
    }
    return set;
}

std::optional<std::uint64_t> by_name(std::span<const RightInfo> table, std::string_view name) {
    for (const auto& right : table) {
        if (right.name == name) return right.bit;
    }
    return std::nullopt;
}

std::string names_of(std::span<const RightInfo> table, std::uint64_t set) {
    std::string out;
    std::uint64_t known = 0;
    for (const auto& right : table) {
        known |= right.bit;
        if ((set & right.bit) == 0) continue;
        if (!out.empty()) out += ", ";
        out += right.name;
    }
    // Bits no table names can only come from a bug or a hand-written policy file; show them
    // rather than hide them, because a silently dropped bit is a silently different sandbox.
    if (const std::uint64_t unknown = set & ~known; unknown != 0) {
        static constexpr char digits[] = "0123456789abcdef";
        std::string hex;
        for (std::uint64_t v = unknown; v != 0; v >>= 4) hex.insert(hex.begin(), digits[v & 0xF]);
        if (!out.empty()) out += ", ";
        out += "unknown(0x" + hex + ")";
    }
    return out.empty() ? "none" : out;
}

int min_abi_of(std::span<const RightInfo> table, std::uint64_t set) {
    int abi = 0;
    for (const auto& right : table) {
        if ((set & right.bit) != 0) abi = std::max(abi, right.abi);
    }
    return abi;
}

}  // namespace

FsAccess fs_all(int abi) { return all_of(kFsRights, abi); }
NetAccess net_all(int abi) { return all_of(kNetRights, abi); }
Scopes scopes_all(int abi) { return all_of(kScopes, abi); }

FsAccess fs_read_execute(int abi) {
    return fs_all(abi) & (fs::execute | fs::read_file | fs::read_dir | fs::refer);
}

FsAccess fs_read_write(int abi) { return fs_all(abi) & ~fs::execute; }

std::optional<FsAccess> fs_right_by_name(std::string_view name) { return by_name(kFsRights, name); }
std::optional<NetAccess> net_right_by_name(std::string_view name) { return by_name(kNetRights, name); }
std::optional<Scopes> scope_by_name(std::string_view name) { return by_name(kScopes, name); }

std::string fs_names(FsAccess set) { return names_of(kFsRights, set); }
std::string net_names(NetAccess set) { return names_of(kNetRights, set); }
std::string scope_names(Scopes set) { return names_of(kScopes, set); }

int fs_min_abi(FsAccess set) { return min_abi_of(kFsRights, set); }
int net_min_abi(NetAccess set) { return min_abi_of(kNetRights, set); }
int scopes_min_abi(Scopes set) { return min_abi_of(kScopes, set); }

}  // namespace llh
