// The containers' mode decision: libpolicy's choose_mode on an injected kernel answer, the
// annotation named in a refusal, and no probe for mode:native.
#include <gmock/gmock.h>

#include "oci-hook/container_mode.hpp"

namespace llh::test {
namespace {

Policy with_mode(Mode mode) {
    Policy policy;
    policy.options.mode = mode;
    return policy;
}

const CgroupSupportProbe kWithout = [] { return CgroupModeSupport{false, "no BPF LSM (test)"}; };
const CgroupSupportProbe kWith = [] { return CgroupModeSupport{true, {}}; };

TEST(ContainerMode, the_key_is_the_rules_annotation_when_both_are_given) {
    EXPECT_EQ("io.landlock.rules", request_key({std::string("rx:/bin"), std::string("{}")}));
    EXPECT_EQ("io.landlock.policy", request_key({std::nullopt, std::string("{}")}));
}

TEST(ContainerMode, each_mode_on_each_kernel) {
    struct Case {
        Mode mode;
        const CgroupSupportProbe* probe;
        bool ok;
        const char* name;
    };
    const Case cases[] = {
        {Mode::automatic, &kWithout, true, "native"},
        {Mode::automatic, &kWith, true, "both"},
        {Mode::native, &kWithout, true, "native"},
        {Mode::native, &kWith, true, "native"},
        {Mode::cgroup, &kWithout, false, ""},
        {Mode::cgroup, &kWith, true, "cgroup"},
        {Mode::both, &kWithout, false, ""},
        {Mode::both, &kWith, true, "both"},
        {},
    };
    for (const Case* c = cases; c->probe != nullptr; ++c) {
        auto choice = choose_container_mode(with_mode(c->mode), "io.landlock.policy", *c->probe);
        ASSERT_EQ(c->ok, choice.has_value()) << mode_name(c->mode);
        if (c->ok) {
            EXPECT_EQ(c->name, choice->name()) << mode_name(c->mode);
        } else {
            EXPECT_THAT(choice.error().what(), ::testing::StartsWith(std::string("io.landlock.policy: mode:") +
                                                                     mode_name(c->mode) + " needs cgroup mode"));
        }
    }
}

TEST(ContainerMode, no_probe_means_no_cgroup_mode) {
    auto choice = choose_container_mode(with_mode(Mode::automatic), "io.landlock.rules", {});
    ASSERT_TRUE(choice);
    EXPECT_EQ("native", choice->name());
    EXPECT_TRUE(choice->downgraded);
}

}  // namespace
}  // namespace llh::test
