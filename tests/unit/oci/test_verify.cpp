// createRuntime: a container that asks for a policy starts through the launcher, or not at all.
#include <gmock/gmock.h>

#include "oci-hook/verify.hpp"
#include "oci_fixture.hpp"

namespace llh::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class Verify : public OciTest {
protected:
    OciState state{"web-1", "/bundles/web-1", 4242};
};

TEST_F(Verify, a_container_without_annotations_needs_nothing) {
    auto result = verify_container(state, sample("runc-spec.json"), settings_);
    ASSERT_TRUE(result) << result.error().what();
    EXPECT_FALSE(*result);
}

TEST_F(Verify, plain_runc_on_an_annotated_config_is_refused) {
    auto result =
        verify_container(state, with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin"}}), settings_);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().what(),
                StartsWith("io.landlock.rules asks for a Landlock policy, but the container's process does not "
                           "start through landlock-launch"));
    EXPECT_THAT(result.error().what(), HasSubstr("landlock-runtime"));
}

TEST_F(Verify, a_rewritten_config_is_recorded) {
    auto rewritten = rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin"}}), settings_);
    ASSERT_TRUE(rewritten);
    auto result = verify_container(state, rewritten->config, settings_);
    ASSERT_TRUE(result) << result.error().what();
    ASSERT_TRUE(*result);
    EXPECT_EQ("web-1", (*result)->record.id);
    EXPECT_EQ(rewritten->policy_path, (*result)->record.policy_path);
    EXPECT_EQ(rewritten->sha256, (*result)->record.sha256);
    EXPECT_EQ("/bin/true", (*result)->record.launcher);
    EXPECT_EQ(Json({{"io.landlock.rules", "rx:/bin"}}), (*result)->record.annotations);
    EXPECT_EQ("native", (*result)->record.mode);
    EXPECT_EQ("mode:auto: native mode only: cgroup mode is not available: " + std::string(kNoBpfLsm),
              (*result)->record.mode_report);
    EXPECT_EQ(0U, (*result)->record.cgroup_id);
    EXPECT_EQ("/bundles/web-1/rootfs", (*result)->rootfs);
}

TEST_F(Verify, cgroup_mode_alone_needs_no_launcher_and_keeps_the_policy_to_attach) {
    offer_cgroup_mode();
    auto rewritten = rewrite_config(
        with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin ro:/data mode:cgroup"}}), settings_);
    ASSERT_TRUE(rewritten) << rewritten.error().what();
    auto result = verify_container(state, rewritten->config, settings_);
    ASSERT_TRUE(result) << result.error().what();
    ASSERT_TRUE(*result);
    EXPECT_TRUE((*result)->mode.cgroup);
    EXPECT_FALSE((*result)->mode.native);
    EXPECT_EQ("cgroup", (*result)->record.mode);
    EXPECT_EQ("mode:cgroup: cgroup mode", (*result)->record.mode_report);
    EXPECT_EQ("", (*result)->record.policy_path);  // the hook stores it after locating the cgroup
    EXPECT_EQ(2U, (*result)->policy.paths.size());
    EXPECT_EQ(rewritten->sha256, (*result)->record.sha256);
}

TEST_F(Verify, both_modes_still_need_the_launcher) {
    offer_cgroup_mode();
    auto result = verify_container(
        state, with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin mode:both"}}), settings_);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().what(), HasSubstr("does not start through landlock-launch"));
}

TEST_F(Verify, mode_cgroup_is_refused_again_on_a_kernel_without_it) {
    auto result = verify_container(
        state, with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin mode:cgroup"}}), settings_);
    ASSERT_FALSE(result);
    EXPECT_EQ("io.landlock.rules: mode:cgroup needs cgroup mode, which this kernel does not offer: " +
                  std::string(kNoBpfLsm) + " (hint: " + std::string(kLsmHint) + ")",
              result.error().what());
}

TEST_F(Verify, annotations_changed_after_the_rewrite_are_refused) {
    auto rewritten = rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin"}}), settings_);
    ASSERT_TRUE(rewritten);
    Json config = Json::parse(rewritten->config);
    config["annotations"]["io.landlock.rules"] = "rwx:/";
    auto result = verify_container(state, config.dump(), settings_);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().what(), HasSubstr("is not the one its annotations describe"));
}

TEST(ParseState, needs_an_id_and_a_bundle) {
    auto state = parse_state(R"({"ociVersion":"1.0.2","id":"abc","status":"creating","pid":12,"bundle":"/b"})");
    ASSERT_TRUE(state) << state.error().what();
    EXPECT_EQ("abc", state->id);
    EXPECT_EQ("/b", state->bundle);
    EXPECT_EQ(12, state->pid);
    EXPECT_FALSE(parse_state(R"({"id":"abc"})"));
    EXPECT_FALSE(parse_state(R"({"id":"../etc","bundle":"/b"})"));
    EXPECT_FALSE(parse_state("not json"));
}

}  // namespace
}  // namespace llh::test
