// The conformance runner: every row of table.txt is one GoogleTest case, run in one mode:
//   --mode=native  the row's child calls llh::enforce() on itself (the kernel's own Landlock);
//   --mode=cgroup  the parent attaches the policy to a fresh cgroup with cgroup::Enforcer and
//                  moves the child in before it acts (cgroup mode's BPF programs);
//   --mode=none    no sandbox: each row's operation must give the table's UNSANDBOXED column
//                  (OK unless said otherwise). This proves that a denial in the other modes comes
//                  from the sandbox and not from a fixture that could not work anyway.
// The EXPECTED column is native Landlock's answer; the other modes must agree with it.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>

#include "libpolicy/access.hpp"
#include "libpolicy/rule_string.hpp"
#include "native/landlock.hpp"
#include "tests/conformance/actions.hpp"
#include "tests/conformance/table.hpp"
#include "tests/support/require.hpp"
#ifdef LLH_HAVE_CGROUP_ENFORCER
#include "kernel/cgroup_enforcer.hpp"
#endif

namespace llh::conformance {
namespace {

// Rows use only Landlock ABI 6 rights, so that the 6.12 guest (ABI 6) and cgroup mode
// (kCgroupModeAbi) enforce the same policy as the host (ABI 7: no new file-system right).
constexpr int kTableAbi = 6;

enum class RunMode { native, cgroup, none };
RunMode g_mode = RunMode::native;

const char* mode_name(RunMode mode) {
    switch (mode) {
    case RunMode::native:
        return "native";
    case RunMode::cgroup:
        return "cgroup";
    case RunMode::none:
        return "none";
    }
    return "?";
}

const Table& table() {
    static const Table parsed = parse_table(embedded_table());
    return parsed;
}

struct Tally {
    int passed = 0;
    int failed = 0;
};
std::map<std::string, Tally>& tallies() {
    static std::map<std::string, Tally> by_category;
    return by_category;
}
std::vector<std::string>& disagreements() {
    static std::vector<std::string> lines;
    return lines;
}

// One layer: rule-string items (ro: rx: rw: rwx: bind: connect: scope:) go through the project's
// parser; "[right,right]:PATH:PATH" items allow exactly the named landlockconfig rights;
// "handle:fs" handles every file-system right without allowing any.
// File-system rights are handled only when the layer has a path item (or handle:fs): a rule string
// handles them as soon as it holds any rule, even "bind:8080", but Landlock's own answer for a
// ruleset that handles only network rights or scopes is part of what the table must pin down.
std::optional<Policy> build_layer(const std::string& text, std::string& error) {
    std::vector<PathRule> exact;
    bool handle_fs = false;
    bool path_items = false;
    std::string rule_items;
    for (const std::string& item : words(text)) {
        if (item == "handle:fs") {
            handle_fs = true;
            continue;
        }
        if (item.front() != '[') {
            for (const char* kind : {"ro:", "rx:", "rw:", "rwx:"}) path_items = path_items || item.rfind(kind, 0) == 0;
            rule_items += item + " ";
            continue;
        }
        const std::size_t close = item.find("]:");
        if (close == std::string::npos) {
            error = "\"" + item + "\": write [right,right]:PATH";
            return std::nullopt;
        }
        FsAccess allowed = 0;
        for (const std::string& name : split_on(item.substr(1, close - 1), ",")) {
            const auto right = fs_right_by_name(name);
            if (!right) {
                error = "unknown right \"" + name + "\"";
                return std::nullopt;
            }
            allowed |= *right;
        }
        for (const std::string& path : split_on(item.substr(close + 2), ":")) {
            exact.push_back(PathRule{path, allowed, "table item " + item});
        }
    }
    Policy policy;
    if (!rule_items.empty()) {
        Diagnostics diagnostics;
        const IncludeLoader no_includes = [](std::string_view) -> Result<IncludedFile> {
            return fail("the conformance table includes no files");
        };
        auto parsed = parse_rule_string(rule_items, "table", no_includes, diagnostics);
        if (!parsed) {
            error = diagnostics.format();
            return std::nullopt;
        }
        policy = std::move(*parsed);
    }
    if (!exact.empty() || handle_fs) {
        policy.handled_fs = fs_all(kMaxKnownAbi);
    } else if (!path_items) {
        policy.handled_fs = 0;
    }
    for (PathRule& rule : exact) policy.paths.push_back(std::move(rule));
    policy.abi = 0;
    policy.handled_fs &= fs_all(kTableAbi);
    for (PathRule& rule : policy.paths) rule.allowed &= fs_all(kTableAbi);
    policy.options.compat = Compat::hard;  // nothing may be dropped silently
    policy.options.log = LogMode::off;
    return policy;
}

// "-" = no sandbox at all; else layers separated by "||" (nested domains / nested cgroups).
std::optional<std::vector<Policy>> build_layers(const std::string& text, std::string& error) {
    std::vector<Policy> layers;
    if (text == "-") return layers;
    for (const std::string& layer_text : split_on(text, "||")) {
        auto layer = build_layer(layer_text, error);
        if (!layer) return std::nullopt;
        layers.push_back(std::move(*layer));
    }
    return layers;
}

// Removes everything in the current directory, walking with chdir(): the deep rows' trees are
// deeper than PATH_MAX allows for nftw() and than an fd per level would allow in the guest.
void remove_here() {
    std::vector<std::pair<std::string, bool>> entries;
    if (DIR* dir = ::opendir(".")) {
        while (const dirent* entry = ::readdir(dir)) {
            const std::string name = entry->d_name;
            if (name == "." || name == "..") continue;
            struct stat status {};
            const bool is_dir = ::lstat(name.c_str(), &status) == 0 && S_ISDIR(status.st_mode);
            entries.emplace_back(name, is_dir);
        }
        ::closedir(dir);
    }
    for (const auto& [name, is_dir] : entries) {
        if (!is_dir) {
            ::unlink(name.c_str());
            continue;
        }
        if (::chdir(name.c_str()) != 0) continue;
        remove_here();
        if (::chdir("..") != 0) return;
        ::rmdir(name.c_str());
    }
}

void remove_tree(const std::string& root) {
    const int cwd = ::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (::chdir(root.c_str()) == 0) remove_here();
    if (cwd >= 0) {
        (void)!::fchdir(cwd);
        ::close(cwd);
    }
    ::rmdir(root.c_str());
}

class Fixture {
public:
    Fixture() {
        const char* base = std::getenv("TMPDIR");
        std::string templ = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/llh-conformance-XXXXXX";
        if (::mkdtemp(templ.data()) == nullptr) {
            error_ = "mkdtemp: " + errno_token(errno);
            return;
        }
        root_ = templ;
        error_ = make_fixture(root_);
    }
    ~Fixture() {
        if (!root_.empty()) remove_tree(root_);
    }
    const std::string& root() const { return root_; }
    const std::string& error() const { return error_; }

private:
    std::string root_;
    std::string error_;
};

void send_line(int fd, const std::string& line) {
    const std::string text = line + "\n";
    (void)!::write(fd, text.data(), text.size());
}

// One line from the child; "" at end of file.
// "TIMEOUT" when the child says nothing for a minute (its own alarm should have fired by then).
std::string read_line(int fd) {
    std::string line;
    char c = 0;
    for (;;) {
        pollfd ready{fd, POLLIN, 0};
        const int polled = ::poll(&ready, 1, 60000);
        if (polled < 0 && errno == EINTR) continue;
        if (polled == 0) return "TIMEOUT";
        const ssize_t got = ::read(fd, &c, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0 || c == '\n') return line;
        line += c;
    }
}

std::string wait_status(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return "waitpid: " + errno_token(errno);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    if (WIFSIGNALED(status)) return "child killed by signal " + std::to_string(WTERMSIG(status));
    return "child exit status " + std::to_string(WEXITSTATUS(status));
}

// A process outside any sandbox and outside the cgroup: target of signals, owner of sockets.
struct Outside {
    pid_t pid = -1;
    ~Outside() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
};

std::string start_outside(const std::vector<std::vector<std::string>>& steps, const Context& context,
                          Outside& outside) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) return "pipe: " + errno_token(errno);
    outside.pid = ::fork();
    if (outside.pid < 0) return "fork: " + errno_token(errno);
    if (outside.pid == 0) {
        ::close(ready[0]);
        ::signal(SIGUSR1, SIG_IGN);
        ::signal(SIGUSR2, SIG_IGN);
        count_sigio_into(context.outside_sigio);
        std::string error;
        for (const auto& step : steps) {
            error = outside_step(step, context);
            if (!error.empty()) break;
        }
        send_line(ready[1], error.empty() ? "READY" : "SETUP outside: " + error);
        ::close(ready[1]);
        for (;;) ::pause();
    }
    ::close(ready[1]);
    const std::string line = read_line(ready[0]);
    ::close(ready[0]);
    return line == "READY" ? "" : line;
}

#ifdef LLH_HAVE_CGROUP_ENFORCER
std::string cgroup2_root() {
    std::ifstream mountinfo("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mountinfo, line)) {
        const std::size_t dash = line.find(" - ");
        if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
        const std::vector<std::string> fields = words(line.substr(0, dash));
        if (fields.size() >= 5) return fields[4];
    }
    return {};
}

// LLH_CONFORMANCE_TRACE=1: timestamps of cgroup mode's steps on stderr (where does a row hang?).
void trace(const std::string& what) {
    static const bool on = std::getenv("LLH_CONFORMANCE_TRACE") != nullptr;
    if (!on) return;
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    std::fprintf(stderr, "[%ld.%03ld] %s\n", static_cast<long>(now.tv_sec), now.tv_nsec / 1000000, what.c_str());
}

cgroup::Enforcer* enforcer(std::string& error) {
    static std::unique_ptr<cgroup::Enforcer> instance;
    static std::string open_error;
    static bool tried = false;
    if (!tried) {
        tried = true;
        trace("Enforcer::open");
        auto opened = cgroup::Enforcer::open();
        trace(opened ? "Enforcer::open done" : "Enforcer::open failed");
        if (opened) {
            instance = std::move(*opened);
        } else {
            open_error = "Enforcer::open: " + opened.error().what();
        }
    }
    error = open_error;
    return instance.get();
}
#endif

// The cgroups of one row: one per layer, each nested in the previous.
class RowCgroups {
public:
    ~RowCgroups() { cleanup(); }

    std::string attach(const std::vector<Policy>& layers, pid_t child, const std::string& tag) {
#ifdef LLH_HAVE_CGROUP_ENFORCER
        std::string error;
        cgroup::Enforcer* the_enforcer = enforcer(error);
        if (the_enforcer == nullptr) return error;
        const std::string root = cgroup2_root();
        if (root.empty()) return "no cgroup2 mount in /proc/self/mountinfo";
        std::string dir = root + "/llh-conformance-" + tag;
        for (std::size_t k = 0; k < layers.size(); ++k) {
            if (k > 0) dir += "/layer" + std::to_string(k + 1);
            if (::mkdir(dir.c_str(), 0755) != 0) return "mkdir " + dir + ": " + errno_token(errno);
            dirs_.push_back(dir);
            // The child's mount namespace: bind-mount rows resolve paths as the child sees them.
            cgroup::AttachRequest request{dir, "/proc/" + std::to_string(child) + "/root"};
            trace("attach " + dir);
            auto attached = the_enforcer->attach(request, layers[k]);
            trace("attach done");
            if (!attached) return "attach " + dir + ": " + attached.error().what();
            attached_.push_back(dir);
        }
        std::ofstream procs(dir + "/cgroup.procs");
        procs << child << std::flush;
        if (!procs) return "move the child into " + dir + "/cgroup.procs failed";
        return {};
#else
        (void)layers;
        (void)child;
        (void)tag;
        return "this build has no cgroup mode (kernel/cgroup_enforcer.cpp was not built)";
#endif
    }

    // Detach and remove, innermost first. Returns what went wrong.
    std::string cleanup() {
        std::string problems;
#ifdef LLH_HAVE_CGROUP_ENFORCER
        std::string error;
        cgroup::Enforcer* the_enforcer = enforcer(error);
        while (!attached_.empty()) {
            if (the_enforcer != nullptr) {
                trace("detach " + attached_.back());
                auto detached = the_enforcer->detach(attached_.back());
                if (!detached) problems += "detach " + attached_.back() + ": " + detached.error().what() + "; ";
            }
            attached_.pop_back();
        }
#endif
        while (!dirs_.empty()) {
            bool removed = false;
            for (int attempt = 0; attempt < 50 && !removed; ++attempt) {
                removed = ::rmdir(dirs_.back().c_str()) == 0 || errno == ENOENT;
                if (!removed) ::usleep(10000);
            }
            if (!removed) problems += "rmdir " + dirs_.back() + ": " + errno_token(errno) + "; ";
            dirs_.pop_back();
        }
        return problems;
    }

private:
    std::vector<std::string> dirs_;
    std::vector<std::string> attached_;
};

// The row's child: setup, sandbox (native), report READY, wait for GO, run the operation steps.
[[noreturn]] void child_main(const std::vector<std::vector<std::string>>& setup, const std::vector<Policy>& layers,
                             const std::vector<std::vector<std::string>>& steps, Context& context, int report_fd,
                             int go_fd) {
    ::signal(SIGUSR1, SIG_IGN);
    ::alarm(30);  // a hung row fails alone; the slowest (deep1000) takes ~4 s
    for (const auto& step : setup) {
        const std::string error = setup_step(step, context);
        if (!error.empty()) {
            send_line(report_fd, "SETUP " + error);
            reap_spawned(context);
            ::_exit(0);
        }
    }
    for (const auto& [name, pid] : context.spawned) send_line(report_fd, "SPAWNED " + std::to_string(pid));
    if (g_mode == RunMode::native) {
        for (const Policy& layer : layers) {
            auto enforced = enforce(layer);
            if (!enforced) {
                send_line(report_fd, "ENFORCE " + enforced.error().what());
                reap_spawned(context);
                ::_exit(0);
            }
            if (enforced->compat.enforcement != Enforcement::full) {
                send_line(report_fd, "ENFORCE not fully enforced: " + enforced->compat.summary());
                reap_spawned(context);
                ::_exit(0);
            }
        }
    }
    send_line(report_fd, "READY");
    char go = 0;
    if (::read(go_fd, &go, 1) != 1 || go != 'G') {
        reap_spawned(context);
        ::_exit(0);
    }
    std::string result = "OK";
    for (std::size_t i = 0; i < steps.size(); ++i) {
        result = operation(steps[i], context);
        if (result != "OK" && i + 1 < steps.size()) {
            result.insert(0, "step" + std::to_string(i + 1) + ":");
            break;
        }
    }
    reap_spawned(context);
    send_line(report_fd, "RESULT " + result);
    ::_exit(0);
}

std::vector<std::vector<std::string>> parse_steps(const std::string& text) {
    std::vector<std::vector<std::string>> steps;
    if (text == "-") return steps;
    for (const std::string& step : split_on(text, ";")) {
        std::vector<std::string> step_words = words(step);
        if (!step_words.empty()) steps.push_back(std::move(step_words));
    }
    return steps;
}

struct Outcome {
    std::string result;   // the result token, or empty when something else went wrong
    std::string problem;  // a setup / enforce / infrastructure failure
};

Outcome run_row(const Row& row) {
    Fixture fixture;
    if (!fixture.error().empty()) return {{}, "fixture: " + fixture.error()};
    const std::string& root = fixture.root();
    static int runs = 0;
    Context context;
    context.root = root;
    context.tag = std::to_string(::getpid()) + "-" + std::to_string(++runs);

    std::vector<std::vector<std::string>> setup, outside_steps;
    for (auto& step : parse_steps(expand(row.setup, root))) {
        (step[0].rfind("outside-", 0) == 0 ? outside_steps : setup).push_back(std::move(step));
    }
    const auto steps = parse_steps(expand(row.op, root));
    if (steps.empty()) return {{}, "no operation"};
    std::vector<Policy> layers;
    if (g_mode != RunMode::none) {
        std::string error;
        auto built = build_layers(expand(row.policy, root), error);
        if (!built) return {{}, "policy: " + error};
        layers = std::move(*built);
    }

    // One shared page: the outside process counts its SIGIOs there for the sandboxed child to see.
    void* shared = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) return {{}, "mmap: " + errno_token(errno)};
    struct Unmap {
        void* address;
        ~Unmap() { ::munmap(address, 4096); }
    } unmap{shared};
    context.outside_sigio = static_cast<volatile int*>(shared);

    Outside outside;
    if (std::string error = start_outside(outside_steps, context, outside); !error.empty()) return {{}, error};
    context.outside = outside.pid;

    int report[2], go[2];
    if (::pipe2(report, O_CLOEXEC) != 0 || ::pipe2(go, O_CLOEXEC) != 0) return {{}, "pipe: " + errno_token(errno)};
    std::cout.flush();
    std::cerr.flush();
    const pid_t child = ::fork();
    if (child < 0) return {{}, "fork: " + errno_token(errno)};
    if (child == 0) {
        ::close(report[0]);
        ::close(go[1]);
        child_main(setup, layers, steps, context, report[1], go[0]);
    }
    ::close(report[1]);
    ::close(go[0]);
    Outcome outcome;
    RowCgroups cgroups;
    std::vector<pid_t> spawned;  // the child's sleepers: ours to kill, as their subreaper
    std::string line = read_line(report[0]);
    while (line.rfind("SPAWNED ", 0) == 0) {
        spawned.push_back(static_cast<pid_t>(std::stol(line.substr(8))));
        line = read_line(report[0]);
    }
    if (line == "READY") {
        std::string attach_error;
        if (g_mode == RunMode::cgroup && !layers.empty()) attach_error = cgroups.attach(layers, child, context.tag);
        if (attach_error.empty()) {
            (void)!::write(go[1], "G", 1);
            line = read_line(report[0]);
        } else {
            outcome.problem = "cgroup mode: " + attach_error;
        }
    }
    if (line == "TIMEOUT") {
        ::kill(child, SIGKILL);
        outcome.problem = "the row's child hung for 60 s and was killed";
    }
    ::close(go[1]);
    ::close(report[0]);
    const std::string status = wait_status(child);
    for (const pid_t pid : spawned) {
        if (::kill(pid, SIGKILL) == 0) ::waitpid(pid, nullptr, 0);
    }
    if (outcome.problem.empty()) {
        if (line.rfind("RESULT ", 0) == 0) {
            outcome.result = line.substr(7);
        } else if (!line.empty()) {
            outcome.problem = line;
        } else {
            outcome.problem = "the child reported nothing (" + (status.empty() ? "exit 0" : status) + ")";
        }
    }
    if (std::string problems = cgroups.cleanup(); !problems.empty()) {
        outcome.problem += (outcome.problem.empty() ? "" : "; ") + ("cgroup cleanup: " + problems);
    }
    return outcome;
}

}  // namespace

// gtest prints a failing parameter: the row, not its bytes.
void PrintTo(const Row& row, std::ostream* out) {  // NOLINT(readability-identifier-naming): gtest's name
    *out << "table.txt:" << row.line << " " << row.id;
}

namespace {

class Conformance : public ::testing::TestWithParam<Row> {};

TEST_P(Conformance, Row) {
    const Row& row = GetParam();
    if (g_mode == RunMode::native) {
        LLH_REQUIRE(landlock_support().abi >= kTableAbi, "native mode needs Landlock ABI " + std::to_string(kTableAbi) +
                                                             ", this kernel has " +
                                                             std::to_string(landlock_support().abi));
    }
    const std::string& expected = g_mode == RunMode::none ? row.baseline : row.expected;
    const Outcome outcome = run_row(row);
    const bool pass = outcome.problem.empty() && outcome.result == expected;
    Tally& tally = tallies()[row.category];
    (pass ? tally.passed : tally.failed) += 1;
    if (!pass) {
        disagreements().push_back("table.txt:" + std::to_string(row.line) + " " + row.id + ": expected " + expected +
                                  ", got " + (outcome.problem.empty() ? outcome.result : "(" + outcome.problem + ")"));
    }
    EXPECT_TRUE(outcome.problem.empty()) << "table.txt:" << row.line << " " << row.id << ": " << outcome.problem;
    EXPECT_EQ(expected, outcome.result) << "table.txt:" << row.line << " " << row.id << " in mode " << mode_name(g_mode)
                                        << "\n  setup:  " << row.setup << "\n  policy: " << row.policy
                                        << "\n  op:     " << row.op;
}

INSTANTIATE_TEST_SUITE_P(Table, Conformance, ::testing::ValuesIn(table().rows),
                         [](const ::testing::TestParamInfo<Row>& info) { return info.param.id; });

TEST(ConformanceTable, IsWellFormed) {
    for (const std::string& error : table().errors) ADD_FAILURE() << error;
    EXPECT_GE(table().rows.size(), 150U) << "the issue asks for at least 150 rows";
}

}  // namespace
}  // namespace llh::conformance

int main(int argc, char** argv) {
    using namespace llh::conformance;
    ::testing::InitGoogleTest(&argc, argv);
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument == "--mode=native") {
            g_mode = RunMode::native;
        } else if (argument == "--mode=cgroup") {
            g_mode = RunMode::cgroup;
        } else if (argument == "--mode=none") {
            g_mode = RunMode::none;
        } else {
            std::cerr << "conformance-tests: unknown argument \"" << argument
                      << "\" (usage: conformance-tests [gtest flags] --mode=native|cgroup|none)\n";
            return 2;
        }
    }
    // Sleepers a sandboxed child could not kill are re-parented to us, to be killed and reaped.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    std::cout << "conformance: mode " << mode_name(g_mode) << ", " << table().rows.size() << " rows, Landlock ABI "
              << llh::landlock_support().abi << "\n";
    const int status = RUN_ALL_TESTS();
    int passed = 0, failed = 0;
    std::cout << "conformance summary (mode " << mode_name(g_mode) << ", Landlock ABI " << llh::landlock_support().abi
              << "):\n";
    for (const auto& [category, tally] : tallies()) {
        std::cout << "  " << category << ": " << tally.passed << " agree, " << tally.failed << " disagree\n";
        passed += tally.passed;
        failed += tally.failed;
    }
    std::cout << "  total: " << passed << " agree, " << failed << " disagree\n";
    for (const std::string& line : disagreements()) std::cout << "  DISAGREE " << line << "\n";
    std::cout << "conformance: done\n";
    return status;
}
