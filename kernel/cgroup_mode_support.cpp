#include "kernel/cgroup_mode_support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string_view>

#include "io/bounded_read.hpp"
#include "kernel/bpf_lsm_probe.hpp"
#include "kernel/llh_bpf_abi.h"
#include "kernel/pins.hpp"
#include "libpolicy/unique_fd.hpp"

namespace llh::cgroup {
namespace {

constexpr const char* kDefaultCacheDir = "/run/landlock-hooks";
constexpr const char* kCacheName = "cgroup-mode.probe";

// A small file whole, "" when it cannot be read or is longer than `limit`.
std::string read_small_file(int fd, std::size_t limit) {
    auto text = read_up_to(fd, limit);
    return text && text->size() <= limit ? std::move(*text) : std::string();
}

// The next line of `rest` (without its newline), consumed.
std::string_view next_line(std::string_view& rest) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    return line;
}

std::string boot_id() {
    const UniqueFd fd(::open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return {};
    const std::string text = read_small_file(fd.get(), 64);
    std::string_view rest(text);
    return std::string(next_line(rest));
}

// Only a cache root wrote and nobody else can write is believed.
bool trusted(const struct stat& st) {
    return S_ISREG(st.st_mode) && st.st_uid == 0 && (st.st_mode & 022) == 0;
}

// The file: "BOOT_ID\nyes|no\nREASON\n".
bool read_cache(const std::string& path, const std::string& boot, CgroupModeSupport& out) {
    if (boot.empty()) return false;
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    struct stat st{};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !trusted(st)) return false;
    const std::string text = read_small_file(fd.get(), 4096);
    std::string_view rest(text);
    const std::string_view cached_boot = next_line(rest), answer = next_line(rest), reason = next_line(rest);
    if (cached_boot != boot || (answer != "yes" && answer != "no")) return false;
    out.available = answer == "yes";
    out.reason = out.available ? std::string() : std::string(reason);
    return true;
}

// Best effort: a cache that cannot be written only costs the next caller a probe.
void write_cache(const std::string& dir, const std::string& boot, const CgroupModeSupport& support) {
    if (boot.empty() || ::geteuid() != 0) return;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return;
    const std::string path = dir + "/" + kCacheName;
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << boot << '\n' << (support.available ? "yes" : "no") << '\n' << support.reason << '\n';
        if (!out.flush()) {
            ::unlink(temporary.c_str());
            return;
        }
    }
    ::chmod(temporary.c_str(), 0644);
    if (::rename(temporary.c_str(), path.c_str()) != 0) ::unlink(temporary.c_str());
}

}  // namespace

CgroupModeSupport cgroup_mode_support(const std::string& cache_dir, const std::string& pin_root) {
    const PinPaths pins{pin_root.empty() ? std::string(LLH_PIN_ROOT) : pin_root};
    if (::access(pins.meta().c_str(), F_OK) == 0) return CgroupModeSupport{true, {}};

    const std::string dir = cache_dir.empty() ? std::string(kDefaultCacheDir) : cache_dir;
    const std::string boot = boot_id();
    CgroupModeSupport support;
    if (read_cache(dir + "/" + kCacheName, boot, support)) return support;

    const BpfLsmProbe& probe = probe_bpf_lsm();
    support.available = probe.available == Availability::yes;
    support.reason = support.available ? std::string() : probe.reason;
    // "unknown" (no privileges to try) is this caller's limit, not the kernel's answer.
    if (probe.available != Availability::unknown) write_cache(dir, boot, support);
    return support;
}

}  // namespace llh::cgroup
