// What the cgroup-mode benchmarks of the VM guest share (bench/vm_*_bench.cpp, run by
// bench/vm-bench.sh): the open()+close() loop they all time, a child that runs it after moving into
// a cgroup or sandboxing itself, a private program set that can be unloaded again, medians and
// "RESULT NAME VALUE" lines. Times in the TCG guest are not real times: only ratios from one run
// compare, which is why every benchmark interleaves the variants it compares.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernel/cgroup_enforcer.hpp"
#include "kernel/tests/vm_support.hpp"
#include "libpolicy/policy.hpp"

namespace llh::bench {

// "--name=VALUE" from argv, else `fallback`. Exits with status 2 on a malformed number.
int int_option(int argc, char** argv, const std::string& name, int fallback);
std::vector<int> list_option(int argc, char** argv, const std::string& name, std::vector<int> fallback);

// Stops the benchmark: prints "vm-bench: WHAT" on stderr and exits with status 1.
[[noreturn]] void fail(const std::string& what);

double median(std::vector<double> values);
// The median of a[i] - b[i]: what a variant adds over the one measured right before or after it in
// the same round. Slow drifts of the machine's speed cancel out of each pair.
double median_added(const std::vector<double>& a, const std::vector<double>& b);
// The fastest sample: the machine's other load only ever adds time, so the minimum is the steadier
// estimate on a shared host; printed next to the medians for the headline ratios.
double fastest(const std::vector<double>& values);
void result(const std::string& name, double value);

// A file `depth` path components below `root` (depth 1: root/f; depth 3: root/d/d/f).
std::string make_file_at_depth(const std::string& root, int depth);

// open(O_RDONLY)+close() of `path`, `iterations` times; nanoseconds per iteration. Exits the
// process when an open fails: a benchmark that measures denials would measure the wrong thing.
double open_close_ns(const std::string& path, int iterations);

// Forks; the child runs `prepare` (enter a cgroup, restrict itself; false = failure), then
// `measure`, and hands the number back through a pipe. Fails the benchmark when the child does.
double in_child(const std::function<bool()>& prepare, const std::function<double()>& measure);

// Moves the calling process into a cgroup v2 directory (the guest tests' own).
using test::enter_cgroup;

// One interleaving order per round: round r starts at variant r % count, so that a slow phase
// of the (shared, emulated) machine falls on every variant alike.
std::vector<std::size_t> rotated(std::size_t count, int round);

// How many BPF_PROG_TYPE_LSM programs the kernel holds (ours and anybody else's).
std::size_t loaded_lsm_programs();

// Cgroup mode's programs loaded and pinned under a private bpffs directory (not LLH_PIN_ROOT), so
// that a benchmark can unload them again and compare with the kernel they found.
class PrivatePrograms {
public:
    explicit PrivatePrograms(std::string pin_root);  // loads (fails the benchmark when it cannot)
    ~PrivatePrograms();                              // unload()
    PrivatePrograms(const PrivatePrograms&) = delete;
    PrivatePrograms& operator=(const PrivatePrograms&) = delete;

    cgroup::Enforcer& enforcer() { return *enforcer_; }
    const std::string& pin_root() const { return pin_root_; }
    // Drops the Enforcer and the pins, then waits until the kernel released the programs.
    void unload();

private:
    std::string pin_root_;
    std::size_t lsm_programs_before_ = 0;
    std::unique_ptr<cgroup::Enforcer> enforcer_;
};

// Read access (files and directories) handled for every right of cgroup mode's ABI, with one
// rule per directory: the policy both modes enforce in the benchmarks.
Policy read_policy(const std::vector<std::string>& directories);

// Attaches or fails the benchmark with the loader's message.
void attach_or_fail(cgroup::Enforcer& enforcer, const std::string& cgroup_dir, const Policy& policy);

}  // namespace llh::bench
