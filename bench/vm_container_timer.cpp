// vm-container-timer [--runs N] [--warmup N] PLAN: times sequences of commands, variants
// interleaved, and prints their medians. bench/vm-container-bench.sh runs it in the VM guest
// (busybox has no sub-second clock) to time container start + stop per sandboxing mode.
//
// PLAN has one command a line: "VARIANT WORD...", blank-separated, no quoting; the lines of one
// variant run in order and are timed together; "{n}" in a word becomes the run number (unique
// container ids). Each run goes through every variant, starting one further each time, so that
// a slow phase of the machine falls on all of them alike. Warm-up runs are not counted.
// Prints per variant "VARIANT: median X ms (min Y, max Z, N runs)" and
//   RESULT container_VARIANT_ms MEDIAN
//   RESULT container_VARIANT_added_ms MEDIAN - MEDIAN(first variant)
//   RESULT container_VARIANT_ratio MEDIAN / MEDIAN(first variant)
// A variant whose command fails (its stderr is the timer's) is dropped; the others go on.
// Exit status 1 when a variant failed, 2 on a usage error.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Variant {
    std::string name;
    std::vector<std::vector<std::string>> commands;
    std::vector<double> times_ms;
    bool failed = false;  // a command failed: no more runs, no result
};

int usage() {
    std::fputs("usage: vm-container-timer [--runs N] [--warmup N] PLAN\n", stderr);
    return 2;
}

std::string with_run_number(std::string word, int run) {
    for (auto at = word.find("{n}"); at != std::string::npos; at = word.find("{n}", at)) {
        word.replace(at, 3, std::to_string(run));
    }
    return word;
}

// Runs one command with stdin and stdout on /dev/null; false when it fails.
bool run_command(const std::vector<std::string>& words, int run) {
    std::vector<std::string> expanded;
    for (const auto& word : words) expanded.push_back(with_run_number(word, run));
    std::vector<char*> argv;
    for (auto& word : expanded) argv.push_back(word.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int error = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
        std::fprintf(stderr, "vm-container-timer: %s: %s\n", argv[0], std::strerror(error));
        return false;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    std::string line;
    for (const auto& word : expanded) line += (line.empty() ? "" : " ") + word;
    std::fprintf(stderr, "vm-container-timer: `%s` failed (%s %d)\n", line.c_str(),
                 WIFEXITED(status) ? "exit status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return false;
}

double now_ms() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const auto middle = values.size() / 2;
    return values.size() % 2 != 0 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

bool read_plan(const char* path, std::vector<Variant>& variants) {
    std::ifstream in(path);
    if (!in) return false;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string name;
        if (!(words >> name) || name.front() == '#') continue;
        std::vector<std::string> command;
        for (std::string word; words >> word;) command.push_back(word);
        if (command.empty()) return false;
        auto found = std::find_if(variants.begin(), variants.end(), [&](const Variant& v) { return v.name == name; });
        if (found == variants.end()) found = variants.insert(variants.end(), Variant{name, {}, {}});
        found->commands.push_back(std::move(command));
    }
    return !variants.empty();
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 20;
    int warmup = 1;
    const char* plan = nullptr;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "--runs" || arg == "--warmup") && i + 1 < argc) {
            (arg == "--runs" ? runs : warmup) = std::atoi(argv[++i]);
        } else if (plan == nullptr && arg.front() != '-') {
            plan = argv[i];
        } else {
            return usage();
        }
    }
    std::vector<Variant> variants;
    if (plan == nullptr || runs < 1 || warmup < 0) return usage();
    if (!read_plan(plan, variants)) {
        std::fprintf(stderr, "vm-container-timer: %s: no readable plan (\"VARIANT WORD...\" lines)\n", plan);
        return 2;
    }
    const auto count = static_cast<int>(variants.size());
    for (int run = 1; run <= warmup + runs; ++run) {
        for (int k = 0; k < count; ++k) {
            auto& variant = variants[static_cast<std::size_t>((run + k) % count)];
            if (variant.failed) continue;
            const double start = now_ms();
            for (const auto& command : variant.commands) {
                if (!run_command(command, run)) {
                    variant.failed = true;  // the others are still worth measuring
                    break;
                }
            }
            if (run > warmup && !variant.failed) variant.times_ms.push_back(now_ms() - start);
        }
    }
    if (variants.front().failed) {
        std::fprintf(stderr, "vm-container-timer: %s, the baseline, failed\n", variants.front().name.c_str());
        return 1;
    }
    const double base = median(variants.front().times_ms);
    bool any_failed = false;
    for (const auto& variant : variants) {
        if (variant.failed) {
            std::printf("%s: failed (see above)\n", variant.name.c_str());
            any_failed = true;
            continue;
        }
        const double value = median(variant.times_ms);
        std::printf("%s: median %.1f ms (min %.1f, max %.1f, %d runs)\n", variant.name.c_str(), value,
                    *std::min_element(variant.times_ms.begin(), variant.times_ms.end()),
                    *std::max_element(variant.times_ms.begin(), variant.times_ms.end()), runs);
        std::printf("RESULT container_%s_ms %.1f\n", variant.name.c_str(), value);
        std::printf("RESULT container_%s_added_ms %.1f\n", variant.name.c_str(), value - base);
        std::printf("RESULT container_%s_ratio %.3f\n", variant.name.c_str(), value / base);
    }
    return any_failed ? 1 : 0;
}
