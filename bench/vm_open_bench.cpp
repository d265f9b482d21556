// vm-open-bench [--depths=1,10,100] [--rounds=N] [--iterations=N] [--outside-rounds=N]:
// what cgroup mode costs an open(), in the BPF LSM guest (bench/vm-bench.sh; issue 5's targets).
//
// 1. A sandboxed task: open()+close() of a file at each depth below the rule's directory with no
//    policy, under native Landlock, and in a cgroup that has cgroup mode's policy (the same rule).
//    One child per measurement, the three variants interleaved, medians of --rounds. Target:
//    cgroup mode adds at most 1.5x what native Landlock adds.
//      RESULT open_dD_{none,native,cgroup}_ns        median ns per open+close
//      RESULT open_dD_{native,cgroup}_added_ns       median of (variant - none) within a round
//      RESULT open_dD_cgroup_over_native             cgroup added / native added
//      RESULT open_dD_cgroup_over_native_fastest     the same from the fastest samples
// 2. A task outside any sandboxed cgroup: the same loop with cgroup mode's programs attached (and
//    a domain for another cgroup in the map), with do-nothing BPF LSM programs on the loop's two
//    hooks (bench/lsm_floor.bpf.c: the kernel's trampoline, which any BPF LSM pays), and with
//    neither, interleaved, --outside-rounds. Target: under 3 % slower.
//      RESULT outside_dD_{unloaded,floor,loaded}_ns
//      RESULT outside_dD_{floor,loaded}_pct(_fastest)   median of (state - unloaded) per round, in %
//      RESULT outside_dD_above_floor_pct                what cgroup mode adds above the floor, in %
// Both tasks sit in a cgroup at the same level (/sys/fs/cgroup/llh-bench-open/{none,cgroup}): the
// programs' ancestor lookups cost per level. Part 1's programs are a private pinned set, unloaded
// at the end.
#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/vm_bench_support.hpp"
#include "kernel/llh_bpf_abi.h"
#include "kernel/tests/vm_support.hpp"
#include "landlock_cgroup.skel.h"
#include "lsm_floor.skel.h"
#include "native/landlock.hpp"
#include "tests/kernel/support.hpp"

namespace llh::bench {
namespace {

constexpr const char* kPinRoot = "/sys/fs/bpf/llh-bench-open";

enum Variant : std::size_t { none, native, cgroup_mode, variant_count };
const char* const kVariantNames[] = {"none", "native", "cgroup"};

struct Bench {
    std::vector<int> depths;
    int iterations = 0;
    std::map<int, std::string> files;  // by depth
    std::string outside_cgroup;        // no policy on it or above it
    std::string sandboxed_cgroup;      // cgroup mode's policy
    Policy policy;

    double measure(Variant variant, int depth) const {
        const std::string& file = files.at(depth);
        return in_child(
            [&] {
                if (variant == cgroup_mode) return enter_cgroup(sandboxed_cgroup);
                if (!enter_cgroup(outside_cgroup)) return false;
                return variant == none || static_cast<bool>(enforce(policy));
            },
            [&] { return open_close_ns(file, iterations); });
    }
};

void sandboxed_comparison(const Bench& bench, int rounds) {
    PrivatePrograms programs(kPinRoot);
    attach_or_fail(programs.enforcer(), bench.sandboxed_cgroup, bench.policy);
    std::map<int, std::vector<std::vector<double>>> samples;  // depth -> variant -> ns
    for (int depth : bench.depths) samples[depth].resize(variant_count);
    for (int round = 0; round < rounds; ++round) {
        for (int depth : bench.depths) {
            for (std::size_t variant : rotated(variant_count, round + depth))
                samples[depth][variant].push_back(bench.measure(static_cast<Variant>(variant), depth));
        }
    }
    for (int depth : bench.depths) {
        const std::string prefix = "open_d" + std::to_string(depth) + "_";
        const auto& all = samples[depth];
        for (std::size_t variant = 0; variant < variant_count; ++variant)
            result(prefix + kVariantNames[variant] + "_ns", median(all[variant]));
        const double native_added = median_added(all[native], all[none]);
        const double cgroup_added = median_added(all[cgroup_mode], all[none]);
        result(prefix + "native_added_ns", native_added);
        result(prefix + "cgroup_added_ns", cgroup_added);
        result(prefix + "cgroup_over_native", cgroup_added / native_added);
        result(prefix + "cgroup_over_native_fastest",
               (fastest(all[cgroup_mode]) - fastest(all[none])) / (fastest(all[native]) - fastest(all[none])));
        std::printf(
            "depth %d: none %.0f ns; native Landlock adds %.0f ns, cgroup mode %.0f ns: %.2fx "
            "(target <= 1.5)\n",
            depth, median(all[none]), native_added, cgroup_added, cgroup_added / native_added);
    }
}

template <typename Skeleton, void (*destroy)(Skeleton*)>
struct SkeletonDeleter {
    void operator()(Skeleton* skel) const { destroy(skel); }
};

// Cgroup mode's programs and the floor's attached and detached in turn: the skeletons' links,
// cheap to make and drop next to a reload, so the states interleave like the variants above. A
// detached BPF LSM hook costs what it costs with nothing loaded (the bpf LSM's no-op). One domain
// is in llh_domains, as an attach elsewhere would leave it.
void outside_comparison(const Bench& bench, int rounds) {
    std::unique_ptr<landlock_cgroup, SkeletonDeleter<landlock_cgroup, landlock_cgroup__destroy>> skel(
        landlock_cgroup__open_and_load());
    if (!skel) fail(std::string("load landlock_cgroup: ") + std::strerror(errno));
    std::unique_ptr<lsm_floor, SkeletonDeleter<lsm_floor, lsm_floor__destroy>> floor(lsm_floor__open_and_load());
    if (!floor) fail(std::string("load lsm_floor: ") + std::strerror(errno));
    struct stat st {};
    if (::stat(bench.sandboxed_cgroup.c_str(), &st) != 0) fail("stat " + bench.sandboxed_cgroup);
    const __u64 cgroup_id = st.st_ino;
    llh_domain domain{};
    domain.policy_id = 1;
    domain.cgroup_level = 2;
    domain.handled_fs = bench.policy.handled_fs;
    if (bpf_map__update_elem(skel->maps.llh_domains, &cgroup_id, sizeof(cgroup_id), &domain, sizeof(domain), BPF_ANY))
        fail("llh_domains");

    enum State : std::size_t { unloaded, floor_only, loaded, state_count };
    const char* const names[] = {"unloaded", "floor", "loaded"};
    const auto attach = [&](std::size_t state) {
        if (state == floor_only && lsm_floor__attach(floor.get()) != 0) fail("attach lsm_floor");
        if (state == loaded && landlock_cgroup__attach(skel.get()) != 0) fail("attach landlock_cgroup");
    };
    const auto detach = [&](std::size_t state) {
        if (state == floor_only) lsm_floor__detach(floor.get());
        if (state == loaded) landlock_cgroup__detach(skel.get());
    };
    std::map<int, std::vector<double>> samples[state_count];  // state -> depth -> ns
    for (int round = 0; round < rounds; ++round) {
        for (std::size_t state : rotated(state_count, round)) {
            attach(state);
            for (int depth : bench.depths) samples[state][depth].push_back(bench.measure(none, depth));
            detach(state);
        }
    }
    for (int depth : bench.depths) {
        const std::string prefix = "outside_d" + std::to_string(depth) + "_";
        const auto& off = samples[unloaded][depth];
        const double base = median(off);
        for (std::size_t state = 0; state < state_count; ++state) result(prefix + names[state] + "_ns", median(samples[state][depth]));
        const double floor_pct = median_added(samples[floor_only][depth], off) / base * 100;
        const double loaded_pct = median_added(samples[loaded][depth], off) / base * 100;
        const double above_pct = median_added(samples[loaded][depth], samples[floor_only][depth]) / base * 100;
        for (std::size_t state : {floor_only, loaded}) {
            result(prefix + names[state] + "_pct", median_added(samples[state][depth], off) / base * 100);
            result(prefix + names[state] + "_pct_fastest", (fastest(samples[state][depth]) / fastest(off) - 1) * 100);
        }
        result(prefix + "above_floor_pct", above_pct);
        std::printf(
            "depth %d, a task outside any sandboxed cgroup: %.0f ns without BPF LSM programs; do-nothing "
            "programs on the same hooks %+.1f %%, cgroup mode %+.1f %% (%+.1f %% above the floor; target "
            "< 3 %%)\n",
            depth, base, floor_pct, loaded_pct, above_pct);
    }
}

int run(int argc, char** argv) {
    Bench bench;
    bench.depths = list_option(argc, argv, "--depths", {1, 10, 100});
    bench.iterations = int_option(argc, argv, "--iterations", 2000);
    const int rounds = int_option(argc, argv, "--rounds", 15);
    const int outside_rounds = int_option(argc, argv, "--outside-rounds", 15);

    const std::string root = test::cgroup2_root();
    if (root.empty()) fail("no cgroup2 hierarchy");
    if (test::kernel_abi() < cgroup::kCgroupModeAbi) fail("Landlock ABI 6 is needed for the native variant");
    if (const std::size_t others = loaded_lsm_programs())
        std::printf("# %zu BPF LSM programs of others are loaded: 'unloaded' means without this bench's set\n", others);
    test::TempTree tree;
    for (int depth : bench.depths) bench.files[depth] = make_file_at_depth(tree.root(), depth);
    bench.policy = read_policy({tree.root()});
    test::TestCgroup parent(root, "llh-bench-open");
    test::TestCgroup outside(parent.path(), "none"), sandboxed(parent.path(), "cgroup");
    bench.outside_cgroup = outside.path();
    bench.sandboxed_cgroup = sandboxed.path();
    std::printf("# %d iterations per measurement, rule on %s, cgroups at level 2\n", bench.iterations,
                tree.root().c_str());

    outside_comparison(bench, outside_rounds);
    sandboxed_comparison(bench, rounds);
    return 0;
}

}  // namespace
}  // namespace llh::bench

int main(int argc, char** argv) {
    return llh::bench::run(argc, argv);
}
