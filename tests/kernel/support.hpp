// Helpers for the kernel tests, in the manner of the kernel's Landlock selftests: a throw-away
// tree per test, a fork per sandboxed case (a restriction cannot be undone), errno as the result.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "libpolicy/policy.hpp"
#include "tests/support/temp_tree.hpp"  // TempTree, for the kernel tests and bench/

namespace llh::test {

// 0 when the call succeeds, else its errno: the selftests' test_open() convention.
int test_open(const std::string& path, int flags);
int errno_of(int syscall_result);

// The Landlock ABI of this kernel (0 without Landlock).
int kernel_abi();

PathRule path_rule(std::string path, FsAccess allowed, std::string origin = "test rule");
// Every file-system right this kernel knows is handled; compat:hard unless said otherwise.
Policy fs_policy(std::vector<PathRule> rules, Compat compat = Compat::hard);
// Read and execute beneath /usr (merged-/usr Debian: /bin, /lib, /lib64 lead there), so that a
// sandboxed child can still execve dynamically linked programs.
PathRule system_rule();

struct SandboxOutcome {
    std::string error;                  // enforce()'s Error::what(), empty when it succeeded
    std::vector<std::string> warnings;  // EnforceReport::warnings
    int code = -1;                      // the body's result (its exit status), -signal if killed
};

// Forks; the child calls enforce(policy), then runs body (whether or not enforce() succeeded,
// so a test can check that a failed enforce() restricted nothing) and exits with its result.
SandboxOutcome run_sandboxed(const Policy& policy, const std::function<int()>& body);

// Waits for a child: its exit status, -signal when killed, -1000 when waitpid() fails.
int wait_for(pid_t pid);

// Runs a body in a child without any sandbox (same exit-status convention).
int run_in_child(const std::function<int()>& body);

struct ProcessResult {
    int exit_code = -1;  // -signal when killed
    std::string out;
    std::string err;
};

// Runs argv[0] (a path) as a real process; stdin comes from `input`.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = {});

}  // namespace llh::test
