// vm-scale-bench [--cgroups=N] [--rules=N] [--depth=N] [--rounds=N] [--iterations=N] [--cycles=N]:
// does cgroup mode's per-open cost grow with what is attached elsewhere? In the BPF LSM guest
// (bench/vm-bench.sh; issue 5: 1,000 attached cgroups and 10,000 rules change it by at most 10 %).
//
// A task in a sandboxed cgroup opens and closes a file --depth (10) components below its rule,
// first with only its own cgroup attached, then with --cgroups (1000) attached cgroups holding
// --rules (10) rules each (the task's own included: 10,000 rules in the maps), then alone again.
// --cycles (4) of attach-all / detach-all, --rounds (3) measurements per state and cycle.
//   RESULT scale_1_cgroup_ns, RESULT scale_N_cgroups_ns, RESULT scale_added_pct(_fastest)
//   RESULT scale_attach_all_s, RESULT scale_fs_rules   (what one attach-all took, rules in the maps)
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench/vm_bench_support.hpp"
#include "kernel/tests/vm_support.hpp"
#include "tests/kernel/support.hpp"

namespace llh::bench {
namespace {

constexpr const char* kPinRoot = "/sys/fs/bpf/llh-bench-scale";

int run(int argc, char** argv) {
    const int cgroups = int_option(argc, argv, "--cgroups", 1000);
    const int rules = int_option(argc, argv, "--rules", 10);
    const int depth = int_option(argc, argv, "--depth", 10);
    const int rounds = int_option(argc, argv, "--rounds", 3);
    const int iterations = int_option(argc, argv, "--iterations", 2000);
    const int cycles = int_option(argc, argv, "--cycles", 4);

    const std::string root = test::cgroup2_root();
    if (root.empty()) fail("no cgroup2 hierarchy");
    test::TempTree tree;
    const std::string file = make_file_at_depth(tree.root(), depth);
    // One policy shape for every cgroup: the tree's root and rules-1 sibling directories.
    std::vector<std::string> dirs{tree.root()};
    for (int i = 1; i < rules; ++i) dirs.push_back(tree.make_dir("rule" + std::to_string(i)));
    const Policy policy = read_policy(dirs);

    test::TestCgroup parent(root, "llh-bench-scale");
    test::TestCgroup sandboxed(parent.path(), "sandboxed"), others(parent.path(), "others");
    std::vector<std::string> other_dirs;
    for (int i = 1; i < cgroups; ++i) {
        other_dirs.push_back(others.path() + "/c" + std::to_string(i));
        // Removed with `others` (TestCgroup removes child cgroups first).
        if (::mkdir(other_dirs.back().c_str(), 0755) != 0) fail("mkdir " + other_dirs.back());
    }

    PrivatePrograms programs(kPinRoot);
    cgroup::Enforcer& enforcer = programs.enforcer();
    attach_or_fail(enforcer, sandboxed.path(), policy);

    std::vector<double> alone, crowded, attach_all_s;
    auto sample = [&](std::vector<double>& into) {
        for (int round = 0; round < rounds; ++round)
            into.push_back(in_child([&] { return enter_cgroup(sandboxed.path()); },
                                    [&] { return open_close_ns(file, iterations); }));
    };
    std::size_t fs_rules = 0;
    for (int cycle = 0; cycle < cycles; ++cycle) {
        sample(alone);
        const std::uint64_t start = test::now_ns();
        for (const auto& dir : other_dirs) attach_or_fail(enforcer, dir, policy);
        attach_all_s.push_back(static_cast<double>(test::now_ns() - start) / 1e9);
        auto status = enforcer.status();
        if (!status) fail("status: " + std::string(status.error().what()));
        fs_rules = 0;
        for (const auto& attachment : *status) fs_rules += attachment.fs_rules;
        sample(crowded);
        for (const auto& dir : other_dirs) {
            auto detached = enforcer.detach(dir);
            if (!detached || !*detached) fail("detach " + dir);
        }
    }
    sample(alone);

    const double one = median(alone), many = median(crowded);
    result("scale_1_cgroup_ns", one);
    result("scale_" + std::to_string(cgroups) + "_cgroups_ns", many);
    // Each crowded sample against the lone one measured before it in the same cycle.
    const double added_pct = median_added(crowded, alone) / one * 100;
    result("scale_added_pct", added_pct);
    result("scale_added_pct_fastest", (fastest(crowded) / fastest(alone) - 1) * 100);
    result("scale_attach_all_s", median(attach_all_s));
    result("scale_fs_rules", static_cast<double>(fs_rules));
    std::printf(
        "depth %d open+close in a sandboxed cgroup: %.0f ns with 1 attached cgroup, %.0f ns with %d "
        "attached cgroups and %zu rules: %+.1f %% (target <= 10 %%)\n",
        depth, one, many, cgroups, fs_rules, added_pct);
    return 0;
}

}  // namespace
}  // namespace llh::bench

int main(int argc, char** argv) {
    return llh::bench::run(argc, argv);
}
