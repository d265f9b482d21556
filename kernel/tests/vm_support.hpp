// Helpers for vm-kernel-tests: throw-away cgroups, a child moved into a cgroup before it acts, and
// direct reads of the pinned maps (to count what the Enforcer left behind).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llh::test {

// The root of the cgroup2 hierarchy (/sys/fs/cgroup in the guest).
std::string cgroup2_root();

// A fresh cgroup directory, removed (with its child cgroups) when the test ends.
class TestCgroup {
public:
    explicit TestCgroup(const std::string& parent, const std::string& name);
    ~TestCgroup();
    TestCgroup(const TestCgroup&) = delete;
    TestCgroup& operator=(const TestCgroup&) = delete;
    const std::string& path() const { return path_; }
    void remove();  // rmdir now (the test checks what happens after)

private:
    std::string path_;
    bool removed_ = false;
};

// Moves the calling process into a cgroup v2 directory (cgroup.procs); false when that fails.
bool enter_cgroup(const std::string& cgroup);

// Forks; the child moves itself into `cgroup`, then exits with body()'s result.
// 200 when the move failed. Returns the exit status (-signal when killed).
int run_in_cgroup(const std::string& cgroup, const std::function<int()>& body);

// For a task already in its cgroup when the maps change: forks; the child moves itself into
// `cgroup` and runs before(); then the parent runs between(), and the child exits with after()'s
// result. 200 when the move failed, 201 when before() did not give 0. Returns the exit status.
int run_in_cgroup_around(const std::string& cgroup, const std::function<int()>& before,
                         const std::function<void()>& between, const std::function<int()>& after);

// Entries in a pinned map (LLH_PIN_ROOT/maps/NAME), and fs/net rules of one policy.
std::size_t map_size(const std::string& name);
std::size_t fs_rules_of(std::uint32_t policy_id);
std::size_t net_rules_of(std::uint32_t policy_id);
bool has_domain(std::uint64_t cgroup_id);

// The ids of the links pinned under LLH_PIN_ROOT/links, sorted.
std::vector<std::uint32_t> pinned_link_ids();
// Does a BPF link with this id still exist?
bool link_exists(std::uint32_t id);

// Monotonic clock in nanoseconds.
std::uint64_t now_ns();

}  // namespace llh::test
