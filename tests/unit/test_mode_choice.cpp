// The one mode decision the hook, the runtime wrapper and the systemd helper share.
#include <gtest/gtest.h>

#include "libpolicy/mode_choice.hpp"

namespace llh {
namespace {

const CgroupModeSupport kAvailable{true, {}};
const CgroupModeSupport kMissing{false, "bpf is not in the kernel's LSM list (boot with lsm=...,bpf)"};

struct Row {
    Mode requested;
    const CgroupModeSupport* support;
    const char* applied;  // ModeChoice::name(), or nullptr for a refusal
    bool downgraded;
    const char* report;
};

class ModeChoiceTable : public ::testing::TestWithParam<Row> {};

TEST_P(ModeChoiceTable, AppliesOrRefuses) {
    const Row& row = GetParam();
    auto choice = choose_mode(row.requested, *row.support, "io.landlock.rules");
    if (row.applied == nullptr) {
        ASSERT_FALSE(choice);
        EXPECT_EQ(choice.error().what(),
                  std::string("io.landlock.rules: mode:") + mode_name(row.requested) +
                      " needs cgroup mode, which this kernel does not offer: bpf is not in the kernel's LSM list "
                      "(boot with lsm=...,bpf) (hint: boot the kernel with bpf in lsm= (e.g. lsm=landlock,yama,bpf) "
                      "and run as root, or use mode:native)");
        return;
    }
    ASSERT_TRUE(choice) << choice.error().what();
    EXPECT_EQ(choice->name(), row.applied);
    EXPECT_EQ(choice->downgraded, row.downgraded);
    EXPECT_EQ(choice->report, row.report);
}

INSTANTIATE_TEST_SUITE_P(
    EveryModeOnBothKernels, ModeChoiceTable,
    ::testing::Values(
        Row{Mode::automatic, &kAvailable, "both", false, "mode:auto: native and cgroup mode"},
        Row{Mode::automatic, &kMissing, "native", true,
            "mode:auto: native mode only: cgroup mode is not available: bpf is not in the kernel's LSM list (boot "
            "with lsm=...,bpf)"},
        Row{Mode::native, &kAvailable, "native", false, "mode:native: native mode"},
        Row{Mode::native, &kMissing, "native", false, "mode:native: native mode"},
        Row{Mode::cgroup, &kAvailable, "cgroup", false, "mode:cgroup: cgroup mode"},
        Row{Mode::cgroup, &kMissing, nullptr, false, ""},
        Row{Mode::both, &kAvailable, "both", false, "mode:both: native and cgroup mode"},
        Row{Mode::both, &kMissing, nullptr, false, ""}));

}  // namespace
}  // namespace llh
