// The setup steps and operations of the conformance table, executed by the row's child process.
// Every operation returns a result token: "OK", an errno name ("EACCES"), "EXIT:n" / "SIGNAL:n"
// for an exec'd program, or "SETUP:what:errno" when something the operation needs (a socket, an
// io_uring instance) could not be had: that never equals an expected value, so the row fails.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace llh::conformance {

struct Context {
    std::string root;                      // the fixture root ($R)
    std::string tag;                       // unique per row run: abstract socket names
    pid_t outside = -1;                    // a process outside the sandbox (and outside the cgroup)
    std::map<std::string, int> fds;        // named by setup's openfd / listen steps
    std::map<std::string, pid_t> spawned;  // sleepers forked before the sandbox
    bool private_mounts = false;
    // Shared with the outside process: how many SIGIO it received (sigio-* operations).
    volatile int* outside_sigio = nullptr;
};

std::string errno_token(int error);

// Builds the standard tree under root (see table.txt). Returns "" or what failed.
std::string make_fixture(const std::string& root);

// A setup step, run by the row's child before it is sandboxed. Returns "" or what failed.
std::string setup_step(const std::vector<std::string>& words, Context& context);

// The outside process counts the SIGIO it receives into this shared counter.
void count_sigio_into(volatile int* counter);

// A step of the process outside the sandbox ("outside-listen NAME", "outside-dgram NAME").
std::string outside_step(const std::vector<std::string>& words, const Context& context);

// One operation step, run by the sandboxed child. Returns a result token.
std::string operation(const std::vector<std::string>& words, Context& context);

// Kills and reaps the sleepers of setup's spawn steps.
void reap_spawned(Context& context);

// io_uring's IORING_OP_OPENAT through the raw syscalls (uring.cpp); a result token.
std::string uring_open(const std::string& path, int flags, bool async);

// A minimal x86-64 ELF that calls exit_group(0) (elf.cpp); with a PT_INTERP when interpreter is set.
std::string tiny_elf(const std::string& interpreter);

}  // namespace llh::conformance
