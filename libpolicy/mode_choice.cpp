#include "libpolicy/mode_choice.hpp"

namespace llh {

const char* mode_name(Mode mode) {
    switch (mode) {
        case Mode::automatic: return "auto";
        case Mode::native: return "native";
        case Mode::cgroup: return "cgroup";
        case Mode::both: break;
    }
    return "both";
}

std::string ModeChoice::name() const {
    if (native && cgroup) return "both";
    return cgroup ? "cgroup" : "native";
}

Result<ModeChoice> choose_mode(Mode requested, const CgroupModeSupport& support, std::string_view where) {
    const std::string asked = std::string("mode:") + mode_name(requested);
    ModeChoice choice;
    if (requested == Mode::native) {
        choice.native = true;
        choice.report = asked + ": native mode";
        return choice;
    }
    if (!support.available) {
        if (requested == Mode::automatic) {
            choice.native = true;
            choice.downgraded = true;
            choice.report = asked + ": native mode only: cgroup mode is not available: " + support.reason;
            return choice;
        }
        return fail(std::string(where) + ": " + asked + " needs cgroup mode, which this kernel does not offer: " +
                        support.reason,
                    "boot the kernel with bpf in lsm= (e.g. lsm=landlock,yama,bpf) and run as root, or use "
                    "mode:native");
    }
    choice.cgroup = true;
    choice.native = requested != Mode::cgroup;
    choice.report = asked + (choice.native ? ": native and cgroup mode" : ": cgroup mode");
    return choice;
}

}  // namespace llh
