// Spawn benchmark: what landlock-launch adds to starting a command, against the floor (bench/floor.c,
// the least a Landlock launcher can do) and against a direct execve. The three variants alternate
// in one run, in a rotating order, so that machine noise hits them alike; every spawn is checked
// to exit 0, so that a failing variant can never look fast.
//
// Usage: spawn-bench [--rounds N] [--warmup N] [--floor PATH] [--launch PATH] [--command PATH]
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_paths.h"
#include "libpolicy/access.hpp"
#include "native/landlock.hpp"

#ifndef LLH_BENCH_FLOOR_PATH
#define LLH_BENCH_FLOOR_PATH "floor"
#endif
#ifndef LLH_BENCH_LAUNCH_PATH
#define LLH_BENCH_LAUNCH_PATH "landlock-launch"
#endif

namespace llh::bench {
namespace {

// bench_paths.h is C; make sure its numbers are the ones the landlockconfig names below mean.
constexpr FsAccess rights_up_to_abi(int abi) {
    FsAccess set = 0;
    for (const RightInfo& right : kFsRights) {
        if (right.abi <= abi) set |= right.bit;
    }
    return set;
}
static_assert(BENCH_HANDLED_FS == rights_up_to_abi(BENCH_MIN_ABI));
static_assert(BENCH_ALLOWED_FS == (fs::execute | fs::read_file | fs::read_dir));

struct Settings {
    int rounds = 1000;
    int warmup = 50;
    std::string floor = LLH_BENCH_FLOOR_PATH;
    std::string launch = LLH_BENCH_LAUNCH_PATH;
    std::string command = "/bin/true";
};

struct Variant {
    std::string name;
    std::vector<std::string> argv;
    std::vector<double> micros;
};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "spawn-bench: %s\n", message.c_str());
    std::exit(1);
}

int parse_count(std::string_view flag, const char* value) {
    char* end = nullptr;
    errno = 0;
    const long count = std::strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || count < 0 || count > 1000000) {
        die(std::string(flag) + " wants a count from 0 to 1000000, got \"" + value + "\"");
    }
    return static_cast<int>(count);
}

Settings parse_arguments(int argc, char** argv) {
    Settings settings;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (i + 1 >= argc) {
            die("usage: spawn-bench [--rounds N] [--warmup N] [--floor PATH] [--launch PATH] [--command PATH]");
        }
        const char* value = argv[++i];
        if (flag == "--rounds") {
            settings.rounds = parse_count(flag, value);
        } else if (flag == "--warmup") {
            settings.warmup = parse_count(flag, value);
        } else if (flag == "--floor") {
            settings.floor = value;
        } else if (flag == "--launch") {
            settings.launch = value;
        } else if (flag == "--command") {
            settings.command = value;
        } else {
            die("unknown option " + std::string(flag));
        }
    }
    if (settings.rounds < 1) die("--rounds must be at least 1");
    return settings;
}

// The landlockconfig file landlock-launch reads: the ruleset of bench_paths.h, by name.
std::string write_policy_file() {
    std::string handled;
    for (const RightInfo& right : kFsRights) {
        if ((right.bit & BENCH_HANDLED_FS) == 0) continue;
        handled += (handled.empty() ? "\"" : ", \"") + std::string(right.name) + "\"";
    }
    std::string parents;
    for (const char* path : bench_paths) parents += (parents.empty() ? "\"" : ", \"") + std::string(path) + "\"";
    const std::string text = "{\n  \"ruleset\": [{\"handledAccessFs\": [" + handled +
                             "]}],\n  \"pathBeneath\": [{\"allowedAccess\": [\"execute\", \"read_file\", "
                             "\"read_dir\"], \"parent\": [" +
                             parents + "]}]\n}\n";

    std::string name = "/tmp/llh-spawn-bench-XXXXXX.json";
    const int fd = mkstemps(name.data(), 5);
    if (fd < 0) die("cannot create the policy file: " + std::string(std::strerror(errno)));
    const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    close(fd);
    if (!written) die("cannot write the policy file " + name);
    return name;
}

// One spawn, timed from just before posix_spawn to the reaped exit. stdout/stderr go to /dev/null
// for every variant alike unless `quiet` is false (the check run shows what went wrong).
double spawn_once(const std::vector<std::string>& args, bool quiet) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (quiet) {
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    }

    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    int status = 0;
    const bool reaped = error == 0 && waitpid(pid, &status, 0) == pid;
    const auto end = std::chrono::steady_clock::now();
    posix_spawn_file_actions_destroy(&actions);

    if (error != 0) die("cannot spawn " + args[0] + ": " + std::strerror(error));
    if (!reaped || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        die("\"" + args[0] + "\" did not exit 0 (status " + std::to_string(status) + "); run it by hand to see why");
    }
    return std::chrono::duration<double, std::micro>(end - start).count();
}

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double p) {
    const auto rank = static_cast<std::size_t>(std::lround(p / 100.0 * static_cast<double>(sorted.size() - 1)));
    return sorted[std::min(rank, sorted.size() - 1)];
}

double median(const std::vector<double>& sorted) {
    const std::size_t n = sorted.size();
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
}

int run(const Settings& settings) {
    const LandlockSupport& support = landlock_support();
    if (support.abi < BENCH_MIN_ABI) {
        die("needs Landlock ABI " + std::to_string(BENCH_MIN_ABI) + " or later, this kernel has " +
            std::to_string(support.abi));
    }
    const std::string policy = write_policy_file();

    std::array<Variant, 3> variants{{
        {"direct", {settings.command}, {}},
        {"floor", {settings.floor, settings.command}, {}},
        {"landlock-launch", {settings.launch, "--policy", policy, "--", settings.command}, {}},
    }};

    // One visible run of each first: a broken variant fails here with its own message.
    for (const Variant& variant : variants) spawn_once(variant.argv, false);

    for (Variant& variant : variants) variant.micros.reserve(static_cast<std::size_t>(settings.rounds));
    const int total = settings.warmup + settings.rounds;
    for (int round = 0; round < total; ++round) {
        for (std::size_t k = 0; k < variants.size(); ++k) {
            // Rotate the order each round: no variant always runs right after another.
            Variant& variant = variants[(k + static_cast<std::size_t>(round)) % variants.size()];
            const double micros = spawn_once(variant.argv, true);
            if (round >= settings.warmup) variant.micros.push_back(micros);
        }
    }
    unlink(policy.c_str());

    std::printf("spawn-bench: %d spawns per variant (interleaved, after %d warm-up rounds), kernel Landlock ABI %d\n",
                settings.rounds, settings.warmup, support.abi);
    std::printf("  command: %s; policy: %zu path rules\n", settings.command.c_str(), std::size(bench_paths));
    std::printf("  %-16s %10s %10s %10s %12s\n", "variant", "p10 us", "median us", "p90 us", "added us");
    std::array<double, 3> medians{};
    for (std::size_t k = 0; k < variants.size(); ++k) {
        std::vector<double>& samples = variants[k].micros;
        std::sort(samples.begin(), samples.end());
        medians[k] = median(samples);
    }
    for (std::size_t k = 0; k < variants.size(); ++k) {
        const std::vector<double>& samples = variants[k].micros;
        std::printf("  %-16s %10.1f %10.1f %10.1f %12.1f\n", variants[k].name.c_str(), percentile(samples, 10),
                    medians[k], percentile(samples, 90), medians[k] - medians[0]);
    }
    const double floor_added = medians[1] - medians[0];
    const double launch_added = medians[2] - medians[0];
    const double ratio = floor_added > 0 ? launch_added / floor_added : 0.0;
    std::printf("  launcher added / floor added = %.2f (target <= 2)\n", ratio);
    // Machine-readable lines for bench/run.sh.
    std::printf("RESULT direct_median_us %.1f\n", medians[0]);
    std::printf("RESULT floor_added_us %.1f\n", floor_added);
    std::printf("RESULT launch_added_us %.1f\n", launch_added);
    std::printf("RESULT launch_floor_ratio %.2f\n", ratio);
    return 0;
}

}  // namespace
}  // namespace llh::bench

int main(int argc, char** argv) {
    return llh::bench::run(llh::bench::parse_arguments(argc, argv));
}
