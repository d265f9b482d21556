// Parse + validate + compile benchmark: a generated landlockconfig JSON of 10,000 rules (9,900
// pathBeneath, 100 netPort, a variable) through parse_policy_document, resolve_variables and
// apply_compat for this kernel's ABI, as a hook does before every container start.
//
// Usage: parse-bench [--runs N] [--write FILE]   (--write saves the generated policy and exits)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "libpolicy/compat.hpp"
#include "libpolicy/diagnostics.hpp"
#include "libpolicy/policy_document.hpp"
#include "libpolicy/variables.hpp"
#include "native/landlock.hpp"

namespace llh::bench {
namespace {

constexpr std::size_t kPathRules = 9900;
constexpr std::size_t kPortRules = 100;
constexpr std::size_t kVariableEvery = 10;  // every 10th path goes through ${data}

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "parse-bench: %s\n", message.c_str());
    std::exit(1);
}

std::string generate_policy() {
    std::string text;
    text.reserve(1U << 20);
    text += "{\n  \"abi\": 7,\n";
    text += "  \"variable\": [{\"name\": \"data\", \"literal\": [\"/srv/data\"]}],\n";
    text += "  \"ruleset\": [{\"handledAccessFs\": [\"abi.all\"], \"handledAccessNet\": [\"abi.all\"]}],\n";
    text += "  \"pathBeneath\": [\n";
    for (std::size_t i = 0; i < kPathRules; ++i) {
        const bool via_variable = i % kVariableEvery == 0;
        const char* access = i % 3 == 0   ? R"("abi.read_execute")"
                             : i % 3 == 1 ? R"("read_file", "read_dir")"
                                          : R"("abi.read_write")";
        text += R"(    {"allowedAccess": [)";
        text += access;
        text += "], \"parent\": [\"";
        text += via_variable ? "${data}/app/" : "/usr/share/app/";
        text += std::to_string(i);
        text += i + 1 < kPathRules ? "\"]},\n" : "\"]}\n";
    }
    text += "  ],\n  \"netPort\": [\n";
    for (std::size_t i = 0; i < kPortRules; ++i) {
        text += R"(    {"allowedAccess": [")" + std::string(i % 2 == 0 ? "bind_tcp" : "connect_tcp") +
                R"("], "port": [)" + std::to_string(8000 + i) + "]}";
        text += i + 1 < kPortRules ? ",\n" : "\n";
    }
    text += "  ]\n}\n";
    return text;
}

struct Timings {
    double parse_ms = 0;
    double variables_ms = 0;
    double compat_ms = 0;
    double total_ms = 0;
};

double ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// One full pass; checks the outcome so that a failing parse can never look fast.
Timings run_once(const std::string& text, int kernel_abi) {
    Timings t;
    Diagnostics diagnostics;
    const auto start = std::chrono::steady_clock::now();
    std::optional<Policy> policy = parse_policy_document(text, "bench.json", diagnostics);
    t.parse_ms = ms_since(start);
    if (!policy) die("the generated policy does not parse:\n" + diagnostics.format());

    const auto variables_start = std::chrono::steady_clock::now();
    if (!resolve_variables(*policy, diagnostics)) die("resolve_variables failed:\n" + diagnostics.format());
    t.variables_ms = ms_since(variables_start);

    const auto compat_start = std::chrono::steady_clock::now();
    Result<CompatResult> compiled = apply_compat(*policy, kernel_abi);
    t.compat_ms = ms_since(compat_start);
    t.total_ms = ms_since(start);
    if (!compiled) die("apply_compat failed: " + compiled.error().what());
    if (compiled->policy.paths.size() != kPathRules || compiled->policy.ports.size() != kPortRules) {
        die("expected " + std::to_string(kPathRules) + " path and " + std::to_string(kPortRules) + " port rules, got " +
            std::to_string(compiled->policy.paths.size()) + " and " + std::to_string(compiled->policy.ports.size()));
    }
    return t;
}

double median_of(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

int run(int argc, char** argv) {
    int runs = 50;
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--runs" && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
            if (runs < 1 || runs > 100000) die("--runs wants a count from 1 to 100000");
        } else if (flag == "--write" && i + 1 < argc) {
            std::ofstream out(argv[++i], std::ios::binary);
            out << generate_policy();
            if (!out.flush()) die(std::string("cannot write ") + argv[i]);
            return 0;
        } else {
            die("usage: parse-bench [--runs N] [--write FILE]");
        }
    }

    // This kernel's ABI, as a hook would compile for it (ABI 7 when Landlock is off, so that the
    // benchmark measures the same work everywhere).
    const int kernel_abi = landlock_support().abi > 0 ? landlock_support().abi : 7;
    const std::string text = generate_policy();
    for (int i = 0; i < 3; ++i) run_once(text, kernel_abi);  // warm caches and the allocator

    std::vector<double> parse, variables, compat, total;
    for (int i = 0; i < runs; ++i) {
        const Timings t = run_once(text, kernel_abi);
        parse.push_back(t.parse_ms);
        variables.push_back(t.variables_ms);
        compat.push_back(t.compat_ms);
        total.push_back(t.total_ms);
    }
    std::printf("parse-bench: %zu path + %zu port rules, %zu bytes of JSON, compiled for ABI %d, median of %d runs\n",
                kPathRules, kPortRules, text.size(), kernel_abi, runs);
    std::printf("  parse_policy_document %8.2f ms\n", median_of(parse));
    std::printf("  resolve_variables     %8.2f ms\n", median_of(variables));
    std::printf("  apply_compat          %8.2f ms\n", median_of(compat));
    std::printf("  total                 %8.2f ms (target < 20 ms)\n", median_of(total));
    std::printf("RESULT parse_total_ms %.2f\n", median_of(total));
    return 0;
}

}  // namespace
}  // namespace llh::bench

int main(int argc, char** argv) {
    return llh::bench::run(argc, argv);
}
