// vm-attach-bench [--rules=N] [--rounds=N]: what attaching a policy costs once cgroup mode's
// programs are pinned (issue 5: under 2 ms for 20 rules on real hardware), in the BPF LSM guest
// (bench/vm-bench.sh). TCG times are not real times, so each round also times, in the same run,
// one fork+exit+wait and a fork whose child enforces the same rules natively: the ratios compare.
// Medians of --rounds (31):
//   RESULT attach_ms, RESULT detach_ms, RESULT open_pinned_ms (Enforcer::open with the pins there)
//   RESULT fork_exit_wait_ms, RESULT fork_native_enforce_wait_ms
//   RESULT attach_over_fork   attach / (fork+exit+wait)
#include <cstdio>
#include <string>
#include <vector>

#include "bench/vm_bench_support.hpp"
#include "kernel/tests/vm_support.hpp"
#include "native/landlock.hpp"
#include "tests/kernel/support.hpp"

namespace llh::bench {
namespace {

constexpr const char* kPinRoot = "/sys/fs/bpf/llh-bench-attach";

double ms_since(std::uint64_t start) {
    return static_cast<double>(test::now_ns() - start) / 1e6;
}

int run(int argc, char** argv) {
    const int rules = int_option(argc, argv, "--rules", 20);
    const int rounds = int_option(argc, argv, "--rounds", 31);

    const std::string root = test::cgroup2_root();
    if (root.empty()) fail("no cgroup2 hierarchy");
    test::TempTree tree;
    std::vector<std::string> dirs;
    for (int i = 0; i < rules; ++i) dirs.push_back(tree.make_dir("rule" + std::to_string(i)));
    const Policy policy = read_policy(dirs);
    test::TestCgroup cgroup(root, "llh-bench-attach");

    PrivatePrograms programs(kPinRoot);  // loads and pins; every round below finds the pins
    cgroup::OpenOptions pinned;
    pinned.pin_root = programs.pin_root();
    std::vector<double> attach_ms, detach_ms, open_ms, fork_ms, native_ms;
    for (int round = 0; round < rounds; ++round) {
        std::uint64_t start = test::now_ns();
        auto enforcer = cgroup::Enforcer::open(pinned);
        open_ms.push_back(ms_since(start));
        if (!enforcer) fail("cgroup mode: " + std::string(enforcer.error().what()));
        if ((*enforcer)->info().loaded) fail("Enforcer::open() loaded the programs again");

        start = test::now_ns();
        auto report = (*enforcer)->attach(cgroup::AttachRequest{cgroup.path(), ""}, policy);
        attach_ms.push_back(ms_since(start));
        if (!report) fail("attach: " + std::string(report.error().what()));
        if (report->fs_rules != static_cast<std::size_t>(rules)) fail("attach wrote a different number of rules");

        start = test::now_ns();
        auto detached = (*enforcer)->detach(cgroup.path());
        detach_ms.push_back(ms_since(start));
        if (!detached || !*detached) fail("detach");

        start = test::now_ns();
        test::run_in_child([] { return 0; });
        fork_ms.push_back(ms_since(start));
        start = test::now_ns();
        const int code = test::run_in_child([&] { return enforce(policy) ? 0 : 1; });
        native_ms.push_back(ms_since(start));
        if (code != 0) fail("native enforce() of the same rules failed");
    }
    const double attach = median(attach_ms), fork = median(fork_ms), native = median(native_ms);
    result("attach_ms", attach);
    result("detach_ms", median(detach_ms));
    result("open_pinned_ms", median(open_ms));
    result("fork_exit_wait_ms", fork);
    result("fork_native_enforce_wait_ms", native);
    result("attach_over_fork", attach / fork);
    std::printf(
        "attach of %d rules with the programs pinned: %.3f ms = %.2f x one fork+exit+wait (%.3f ms); "
        "native set-up of the same rules ~%.3f ms (medians of %d, TCG)\n",
        rules, attach, attach / fork, fork, native - fork, rounds);
    return 0;
}

}  // namespace
}  // namespace llh::bench

int main(int argc, char** argv) {
    return llh::bench::run(argc, argv);
}
