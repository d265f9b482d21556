#include "kernel/program_set.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <vector>

#include "kernel/bpf_lsm_probe.hpp"
// The skeleton embeds the object as one long string literal: fine for GCC and Clang, but beyond
// what -Wpedantic lets a C++ compiler promise.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
#include "kernel/landlock_cgroup.skel.h"
#pragma GCC diagnostic pop

namespace llh::cgroup {
namespace {

std::string quoted(const std::string& path) {
    return "\"" + path + "\"";
}

// libbpf reports through one process-wide print callback: while we load, collect its warnings
// (the verifier's log among them) to put the last lines into the error instead of on stderr.
std::mutex g_log_mutex;
std::string g_log;

int collect_log(enum libbpf_print_level level, const char* format, va_list args) {
    if (level == LIBBPF_DEBUG) return 0;
    // One call may carry the whole verifier log: size it first.
    va_list copy;
    va_copy(copy, args);
    const int length = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    if (length <= 0) return length;
    std::string line(static_cast<std::size_t>(length) + 1, '\0');
    std::vsnprintf(line.data(), line.size(), format, args);
    line.resize(static_cast<std::size_t>(length));
    g_log.append(line);
    // Keep the head (where the first failing program's log starts) and a bounded size.
    constexpr std::size_t kMaxLog = std::size_t{32} << 20;
    if (g_log.size() > kMaxLog) g_log.resize(kMaxLog);
    return length;
}

class CollectedLog {
public:
    CollectedLog() : lock_(g_log_mutex), previous_(libbpf_set_print(collect_log)) { g_log.clear(); }
    ~CollectedLog() { libbpf_set_print(previous_); }
    CollectedLog(const CollectedLog&) = delete;
    CollectedLog& operator=(const CollectedLog&) = delete;

    // The last few non-empty lines, joined with " | ".
    std::string tail(std::size_t lines = 3) const {
        std::vector<std::string> kept;
        std::size_t end = g_log.size();
        while (end > 0 && kept.size() < lines) {
            while (end > 0 && (g_log[end - 1] == '\n' || g_log[end - 1] == ' ')) --end;
            if (end == 0) break;
            const std::size_t start = g_log.rfind('\n', end - 1);
            const std::size_t from = start == std::string::npos ? 0 : start + 1;
            kept.insert(kept.begin(), g_log.substr(from, end - from));
            end = from;
        }
        std::string out;
        for (const auto& line : kept) out += (out.empty() ? "" : " | ") + line;
        return out;
    }

    // The verifier's verdict: the last lines of the first program's load log that are not its
    // statistics ("processed N insns", "verification time"), with the program's name.
    std::string verifier_verdict() const {
        const std::size_t begin = g_log.find("-- BEGIN PROG LOAD LOG --");
        const std::size_t end = g_log.find("-- END PROG LOAD LOG --", begin == std::string::npos ? 0 : begin);
        if (begin == std::string::npos || end == std::string::npos) return tail();
        std::string program;
        const std::size_t line_start = g_log.rfind('\n', begin);
        const std::size_t quote = g_log.find("prog '", line_start == std::string::npos ? 0 : line_start);
        if (quote != std::string::npos && quote < begin) {
            const std::size_t close = g_log.find('\'', quote + 6);
            program = g_log.substr(quote + 6, close - quote - 6);
        }
        std::vector<std::string> lines;
        std::stringstream block(g_log.substr(begin, end - begin));
        for (std::string line; std::getline(block, line);) {
            while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
            if (line.empty() || line.find("PROG LOAD LOG") != std::string::npos || line.rfind("processed ", 0) == 0 ||
                line.rfind("verification time", 0) == 0 || line.rfind("stack depth", 0) == 0)
                continue;
            lines.push_back(line);
        }
        std::string out = program.empty() ? "" : "program " + program + ": ";
        const std::size_t from = lines.size() > 2 ? lines.size() - 2 : 0;
        for (std::size_t i = from; i < lines.size(); ++i) out += (i == from ? "" : " | ") + lines[i];
        return out;
    }

private:
    std::lock_guard<std::mutex> lock_;
    libbpf_print_fn_t previous_;
};

struct SkeletonDeleter {
    void operator()(landlock_cgroup* skeleton) const { landlock_cgroup__destroy(skeleton); }
};
using Skeleton = std::unique_ptr<landlock_cgroup, SkeletonDeleter>;

struct LinkDeleter {
    // Destroying a pinned link only closes our fd: the pin keeps it attached.
    void operator()(bpf_link* link) const { bpf_link__destroy(link); }
};
using Link = std::unique_ptr<bpf_link, LinkDeleter>;

bool is_cgroup_program(bpf_prog_type type) {
    switch (type) {
    case BPF_PROG_TYPE_CGROUP_SKB:
    case BPF_PROG_TYPE_CGROUP_SOCK:
    case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
    case BPF_PROG_TYPE_CGROUP_SOCKOPT:
    case BPF_PROG_TYPE_CGROUP_SYSCTL:
    case BPF_PROG_TYPE_CGROUP_DEVICE:
    case BPF_PROG_TYPE_SOCK_OPS:
        return true;
    default:
        return false;
    }
}

// The root of the cgroup2 hierarchy, where cgroup programs go (they then see every task; the
// programs filter by the task's cgroup ancestry themselves).
Result<UniqueFd> open_cgroup_root() {
    for (const char* path : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        UniqueFd fd(::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!fd.valid()) continue;
        // The root cgroup's directory holds cgroup.procs but not cgroup.type.
        if (::faccessat(fd.get(), "cgroup.procs", F_OK, 0) == 0 && ::faccessat(fd.get(), "cgroup.type", F_OK, 0) != 0)
            return fd;
    }
    return fail("no cgroup2 root at /sys/fs/cgroup or /sys/fs/cgroup/unified",
                "mount it: mount -t cgroup2 none /sys/fs/cgroup");
}

Error load_error(int error, const std::string& verifier) {
    // The probe tells a kernel without usable BPF LSM from a program this kernel rejects.
    const BpfLsmProbe& probe = probe_bpf_lsm();
    if (probe.available == Availability::no) {
        return Error{0,
                     "BPF LSM is not available: " + probe.reason,
                     "cgroup mode needs a kernel booted with lsm=...,bpf that loads BPF LSM programs; "
                     "`landlockctl features` shows what this kernel offers",
                     {"load"}};
    }
    return Error{error,
                 "the kernel refused cgroup mode's BPF programs" + (verifier.empty() ? "" : " (" + verifier + ")"),
                 error == EPERM ? "run as root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN)" : "",
                 {"load"}};
}

}  // namespace

std::uint64_t program_set_hash() {
    std::size_t size = 0;
    const auto* bytes = static_cast<const unsigned char*>(landlock_cgroup__elf_bytes(&size));
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (std::size_t i = 0; i < size; ++i) {
        hash ^= bytes[i];
        hash *= 0x100000001b3ULL;
    }
    return hash == 0 ? 1 : hash;  // 0 means "no set attached"
}

Result<InstallReport> install_program_set(const PinPaths& paths) {
    CollectedLog log;
    Skeleton skeleton(landlock_cgroup__open());
    if (!skeleton) return tl::unexpected(Error{errno, "cannot open the embedded BPF object", {}, {"load"}});

    bpf_map* map = nullptr;
    bpf_object__for_each_map(map, skeleton->obj) {
        // .rodata/.bss belong to one load; only the named maps carry state between program sets.
        if (bpf_map__is_internal(map)) continue;
        if (bpf_map__set_pin_path(map, paths.map(bpf_map__name(map)).c_str()) != 0)
            return tl::unexpected(
                Error{errno, std::string("cannot set the pin path of ") + bpf_map__name(map), {}, {"load"}});
    }
    if (landlock_cgroup__load(skeleton.get()) != 0) {
        const int error = errno;
        const std::string tail = log.tail();
        if (tail.find("couldn't reuse pinned map") != std::string::npos) {
            return tl::unexpected(Error{error,
                                        "a map pinned under " + paths.maps() + " has another layout (" + tail + ")",
                                        "the pinned maps come from another landlock-hooks build of the same ABI "
                                        "version; detach every cgroup and remove " +
                                            paths.root,
                                        {"load"}});
        }
        return tl::unexpected(load_error(error, log.verifier_verdict()));
    }

    UniqueFd cgroup_root;
    std::vector<std::pair<std::string, Link>> links;
    bpf_program* program = nullptr;
    bpf_object__for_each_program(program, skeleton->obj) {
        if (!bpf_program__autoload(program)) continue;
        const std::string name = bpf_program__name(program);
        bpf_link* raw = nullptr;
        if (is_cgroup_program(bpf_program__type(program))) {
            if (!cgroup_root.valid()) {
                auto root = open_cgroup_root();
                if (!root) return tl::unexpected(std::move(root.error()).with_context("attach " + name));
                cgroup_root = std::move(*root);
            }
            raw = bpf_program__attach_cgroup(program, cgroup_root.get());
        } else {
            raw = bpf_program__attach(program);
        }
        if (raw == nullptr) {
            const int error = errno;
            return tl::unexpected(Error{
                error, "cannot attach the BPF program " + name + " (" + log.tail() + ")", {}, {"attach " + name}});
        }
        links.emplace_back(name, Link(raw));
    }

    // Pin beside, then rename over: the old link stays attached until its successor is pinned.
    // Beside = in a staging directory: bpffs refuses dots in names, so no "NAME.new".
    const std::string staging = paths.root + "/staging";
    if (::mkdir(staging.c_str(), 0700) != 0 && errno != EEXIST)
        return tl::unexpected(Error{errno, "cannot create " + quoted(staging), {}, {"pin"}});
    std::vector<std::string> staged;
    const auto unstage = [&staged] {
        for (const auto& path : staged) ::unlink(path.c_str());
    };
    for (auto& [name, link] : links) {
        const std::string path = staging + "/" + name;
        ::unlink(path.c_str());  // left over by a loader that died here
        if (bpf_link__pin(link.get(), path.c_str()) != 0) {
            const int error = errno;
            unstage();
            return tl::unexpected(Error{error, "cannot pin " + quoted(path), {}, {"pin"}});
        }
        staged.push_back(path);
    }
    InstallReport report;
    std::set<std::string> names;
    for (auto& [name, link] : links) {
        const std::string path = paths.link(name);
        const bool existed = ::access(path.c_str(), F_OK) == 0;
        if (::rename((staging + "/" + name).c_str(), path.c_str()) != 0) {
            const int error = errno;
            unstage();
            return tl::unexpected(Error{error,
                                        "cannot move the pin " + quoted(staging + "/" + name) + " to " + quoted(path),
                                        "links renamed before this one belong to the new program set",
                                        {"pin"}});
        }
        names.insert(name);
        ++report.links;
        if (existed) ++report.replaced;
    }
    auto pinned = pinned_names(paths.links());
    if (!pinned) return tl::unexpected(std::move(pinned.error()).with_context("pin"));
    for (const auto& name : *pinned) {
        if (names.count(name) != 0) continue;
        if (::unlink(paths.link(name).c_str()) == 0) ++report.removed;
    }
    return report;
}

}  // namespace llh::cgroup
