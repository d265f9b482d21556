// Asking the kernel which Landlock it has: a feature probe, not a version check.
#include <cerrno>

#include "native/landlock.hpp"
#include "native/landlock_uapi.hpp"

namespace llh {
namespace {

LandlockSupport probe() {
    LandlockSupport support;
    const long abi = ::syscall(uapi::nr_create_ruleset, nullptr, 0, uapi::create_ruleset_version);
    if (abi < 0) {
        // ENOSYS: not built in; EOPNOTSUPP: built in but not enabled at boot (lsm=).
        support.errno_value = errno;
        return support;
    }
    support.abi = static_cast<int>(abi);
    // The errata query came after ABI 1 kernels shipped: on those it fails (EINVAL), which
    // means "no errata fixed", not "unknown Landlock".
    const long errata = ::syscall(uapi::nr_create_ruleset, nullptr, 0, uapi::create_ruleset_errata);
    if (errata > 0) support.errata = static_cast<std::uint32_t>(errata);
    return support;
}

}  // namespace

const LandlockSupport& landlock_support() {
    // The answer cannot change while the process runs; a function-local static is thread-safe.
    static const LandlockSupport support = probe();
    return support;
}

}  // namespace llh
