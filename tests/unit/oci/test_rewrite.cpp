// The shared rewrite of podman's precreate hook and landlock-runtime, on real config.json
// samples: `runc spec`, `crun spec`, and what podman 4.3.1 hands a precreate hook.
#include <sys/stat.h>

#include <gmock/gmock.h>

#include "libpolicy/policy_document.hpp"
#include "oci-hook/paths.hpp"
#include "oci_fixture.hpp"

namespace llh::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::vector<std::string> kSamples{"runc-spec.json", "crun-spec.json", "podman-precreate.json"};

Json without(Json config, const std::vector<std::string>& keys) {
    for (const auto& key : keys) config.erase(key);
    if (config.contains("process")) config["process"].erase("args");
    return config;
}

std::vector<std::string> keys_of(const Json& object) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : object.items()) keys.push_back(key);
    return keys;
}

class Rewrite : public OciTest {};

TEST_F(Rewrite, without_annotations_the_exact_input_bytes_come_back) {
    for (const auto& name : {"runc-spec.json", "crun-spec.json"}) {
        const std::string input = sample(name);
        auto result = rewrite_config(input, settings_);
        ASSERT_TRUE(result) << result.error().what();
        EXPECT_FALSE(result->requested);
        EXPECT_FALSE(result->changed);
        EXPECT_EQ(input, result->config) << name;
    }
    // podman's config without its io.landlock.rules annotation.
    Json podman = Json::parse(sample("podman-precreate.json"));
    podman["annotations"].erase("io.landlock.rules");
    const std::string input = podman.dump();
    auto result = rewrite_config(input, settings_);
    ASSERT_TRUE(result) << result.error().what();
    EXPECT_EQ(input, result->config);
    EXPECT_EQ(0U, stored_policies());
}

TEST_F(Rewrite, args_go_through_the_launcher_and_every_other_field_is_kept) {
    for (const auto& name : kSamples) {
        const std::string input = with_annotations(name, {{"io.landlock.rules", "rx:/bin:/usr ro:/etc rw:/tmp"}});
        auto result = rewrite_config(input, settings_);
        ASSERT_TRUE(result) << name << ": " << result.error().what();
        EXPECT_TRUE(result->requested);
        EXPECT_TRUE(result->changed);
        const Json before = Json::parse(input);
        const Json after = Json::parse(result->config);

        // process.args: the launcher prefix, then the original command.
        Json expected_args = Json::array({kLaunchInContainer, "--policy", kPolicyInContainer, "--"});
        for (const auto& arg : before["process"]["args"]) expected_args.push_back(arg);
        EXPECT_EQ(expected_args, after["process"]["args"]) << name;

        // mounts: the originals in order, then two read-only binds.
        const auto& mounts = after["mounts"];
        ASSERT_EQ(before["mounts"].size() + 2, mounts.size()) << name;
        for (std::size_t i = 0; i < before["mounts"].size(); ++i) EXPECT_EQ(before["mounts"][i], mounts[i]);
        const Json options = Json::array({"bind", "ro", "nosuid", "nodev"});
        EXPECT_EQ(kLaunchInContainer, mounts[mounts.size() - 2]["destination"]);
        EXPECT_EQ("/bin/true", mounts[mounts.size() - 2]["source"]);
        EXPECT_EQ(options, mounts[mounts.size() - 2]["options"]);
        EXPECT_EQ(kPolicyInContainer, mounts.back()["destination"]);
        EXPECT_EQ(result->policy_path, mounts.back()["source"]);
        EXPECT_EQ(options, mounts.back()["options"]);

        // Everything else: same values, same key order.
        EXPECT_EQ(without(before, {"mounts", "hooks"}), without(after, {"mounts", "hooks"})) << name;
        auto before_keys = keys_of(before);
        auto after_keys = keys_of(after);
        if (!before.contains("hooks")) after_keys.erase(std::find(after_keys.begin(), after_keys.end(), "hooks"));
        EXPECT_EQ(before_keys, after_keys) << name;
        EXPECT_EQ(keys_of(before["process"]), keys_of(after["process"])) << name;
    }
}

TEST_F(Rewrite, the_policy_is_stored_by_content_readable_by_everyone) {
    auto result =
        rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin ro:/etc"}}), settings_);
    ASSERT_TRUE(result) << result.error().what();
    EXPECT_EQ(settings_.store.policies + "/" + result->sha256 + ".json", result->policy_path);
    const std::string text = read_text(result->policy_path);
    EXPECT_EQ(result->sha256, sha256_hex(text));
    struct stat st {};
    ASSERT_EQ(0, ::stat(result->policy_path.c_str(), &st));
    EXPECT_EQ(0644U, st.st_mode & 07777);
    // What the launcher will read back is the policy the annotation asked for.
    Diagnostics diagnostics;
    auto policy = parse_policy_document(text, result->policy_path, diagnostics);
    ASSERT_TRUE(policy) << diagnostics.format();
    ASSERT_EQ(2U, policy->paths.size());
    EXPECT_EQ("/bin", policy->paths[0].path);
    EXPECT_EQ("/etc", policy->paths[1].path);
}

TEST_F(Rewrite, identical_policies_share_one_file_and_different_ones_do_not) {
    auto a = rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin"}}), settings_);
    auto b = rewrite_config(with_annotations("crun-spec.json", {{"io.landlock.rules", "rx:/bin"}}), settings_);
    auto c = rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin ro:/data"}}), settings_);
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->policy_path, b->policy_path);
    EXPECT_NE(a->policy_path, c->policy_path);
    EXPECT_EQ(2U, stored_policies());
}

TEST_F(Rewrite, is_idempotent) {
    for (const auto& name : kSamples) {
        auto once = rewrite_config(with_annotations(name, {{"io.landlock.rules", "rx:/bin ro:/etc"}}), settings_);
        ASSERT_TRUE(once) << once.error().what();
        auto twice = rewrite_config(once->config, settings_);
        ASSERT_TRUE(twice) << twice.error().what();
        EXPECT_FALSE(twice->changed) << name;
        EXPECT_EQ(once->config, twice->config) << name;
    }
}

TEST_F(Rewrite, a_changed_annotation_on_a_rewritten_config_replaces_the_policy_once) {
    auto once = rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin"}}), settings_);
    ASSERT_TRUE(once);
    Json config = Json::parse(once->config);
    config["annotations"]["io.landlock.rules"] = "rx:/bin ro:/etc";
    auto again = rewrite_config(config.dump(), settings_);
    ASSERT_TRUE(again) << again.error().what();
    const Json after = Json::parse(again->config);
    EXPECT_EQ(Json::array({kLaunchInContainer, "--policy", kPolicyInContainer, "--", "sh"}), after["process"]["args"]);
    int ours = 0;
    for (const auto& mount : after["mounts"]) {
        ours += mount["destination"] == kPolicyInContainer ? 1 : 0;
    }
    EXPECT_EQ(1, ours);
    EXPECT_EQ(again->policy_path, after["mounts"].back()["source"]);
}

TEST_F(Rewrite, keeps_the_layout_of_runc_spec) {
    auto result = rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin"}}), settings_);
    ASSERT_TRUE(result);
    // with_annotations() dumps compactly: a compact input stays compact.
    EXPECT_EQ(std::string::npos, result->config.find('\n'));
    Json tabbed = Json::parse(sample("runc-spec.json"));
    tabbed["annotations"] = {{"io.landlock.rules", "rx:/bin"}};
    auto tabs = rewrite_config(tabbed.dump(1, '\t'), settings_);
    ASSERT_TRUE(tabs);
    EXPECT_THAT(tabs->config, StartsWith("{\n\t\"ociVersion\""));
}

TEST_F(Rewrite, adds_the_record_and_cleanup_hooks_once) {
    auto result =
        rewrite_config(with_annotations("podman-precreate.json", {{"io.landlock.rules", "rx:/bin"}}), settings_);
    ASSERT_TRUE(result);
    const Json after = Json::parse(result->config);
    for (const auto* stage : {"createRuntime", "poststop"}) {
        ASSERT_EQ(1U, after["hooks"][stage].size()) << stage;
        EXPECT_EQ(settings_.hook, after["hooks"][stage][0]["path"]);
        EXPECT_EQ(Json::array({"landlock-oci-hook", stage}), after["hooks"][stage][0]["args"]);
    }
    settings_.hooks_in_native_mode = false;  // landlock-runtime: native mode records without hooks
    auto bare = rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin"}}), settings_);
    ASSERT_TRUE(bare);
    EXPECT_FALSE(Json::parse(bare->config).contains("hooks"));
}

TEST_F(Rewrite, a_bad_rule_names_the_annotation_and_item_and_stores_nothing) {
    auto result =
        rewrite_config(with_annotations("podman-precreate.json", {{"io.landlock.rules", "rx:/bin rx:usr"}}), settings_);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().what(), StartsWith("io.landlock.rules: item 2 \"rx:usr\": "));
    EXPECT_EQ(0U, stored_policies());
}

TEST_F(Rewrite, an_unknown_landlock_annotation_is_refused) {
    auto result = rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rule", "rx:/bin"}}), settings_);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().what(), StartsWith("io.landlock.rule: unknown annotation"));
    EXPECT_EQ(0U, stored_policies());
}

TEST_F(Rewrite, an_oversize_annotation_is_refused) {
    std::string rules;
    while (rules.size() <= settings_.limits.max_rule_string_bytes) rules += "ro:/etc ";
    auto result = rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", rules}}), settings_);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().what(), HasSubstr("more than the limit of 65536"));
    EXPECT_EQ(0U, stored_policies());
}

TEST_F(Rewrite, a_missing_launcher_refuses_the_start) {
    settings_.launcher = (root_ / "no-such-launcher").string();
    auto result = rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin"}}), settings_);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().what(), HasSubstr("the launcher " + settings_.launcher + " is missing"));
    EXPECT_EQ(0U, stored_policies());
}

TEST_F(Rewrite, compat_hard_refuses_what_the_kernel_cannot_enforce) {
    settings_.kernel_abi = 3;  // no network rules before ABI 4
    auto hard = rewrite_config(
        with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin connect:443 compat:hard"}}), settings_);
    ASSERT_FALSE(hard);
    EXPECT_THAT(hard.error().what(), StartsWith("io.landlock.rules: "));
    EXPECT_EQ(0U, stored_policies());

    auto best =
        rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin connect:443"}}), settings_);
    ASSERT_TRUE(best) << best.error().what();
    ASSERT_FALSE(best->warnings.empty());
    EXPECT_THAT(best->warnings.front(), StartsWith("io.landlock.rules: partially enforced"));
}

TEST_F(Rewrite, cgroup_and_both_are_refused_where_the_kernel_lacks_cgroup_mode) {
    for (const std::string mode : {"cgroup", "both"}) {
        auto result = rewrite_config(
            with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin mode:" + mode}}), settings_);
        ASSERT_FALSE(result) << mode;
        EXPECT_EQ("io.landlock.rules: mode:" + mode + " needs cgroup mode, which this kernel does not offer: " +
                      std::string(kNoBpfLsm) + " (hint: " + std::string(kLsmHint) + ")",
                  result.error().what());
    }
    EXPECT_EQ(0U, stored_policies());
}

TEST_F(Rewrite, mode_auto_without_cgroup_mode_is_native_mode_and_says_so) {
    settings_.hooks_in_native_mode = false;  // landlock-runtime
    const std::string input = with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin"}});
    auto result = rewrite_config(input, settings_);
    ASSERT_TRUE(result) << result.error().what();
    EXPECT_TRUE(result->mode.native);
    EXPECT_FALSE(result->mode.cgroup);
    EXPECT_TRUE(result->mode.downgraded);
    EXPECT_EQ("mode:auto: native mode only: cgroup mode is not available: " + std::string(kNoBpfLsm),
              result->mode.report);
    const Json after = Json::parse(result->config);
    EXPECT_TRUE(starts_through_launcher(after["process"]));
    EXPECT_EQ(Json::parse(input).value("hooks", Json()), after.value("hooks", Json()));  // no hook added
    EXPECT_EQ(1U, stored_policies());
}

TEST_F(Rewrite, mode_native_does_not_even_ask_the_kernel) {
    settings_.cgroup_support = [] {
        ADD_FAILURE() << "mode:native asked for the cgroup-mode probe";
        return CgroupModeSupport{};
    };
    auto result =
        rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin mode:native"}}), settings_);
    ASSERT_TRUE(result) << result.error().what();
    EXPECT_EQ("mode:native: native mode", result->mode.report);
    EXPECT_FALSE(result->mode.downgraded);
}

TEST_F(Rewrite, mode_cgroup_adds_only_the_hooks_and_keeps_every_other_field) {
    offer_cgroup_mode();
    settings_.hooks_in_native_mode = false;  // landlock-runtime adds them for cgroup mode all the same
    for (const auto& name : kSamples) {
        const std::string input = with_annotations(name, {{"io.landlock.rules", "rx:/bin ro:/data mode:cgroup"}});
        auto result = rewrite_config(input, settings_);
        ASSERT_TRUE(result) << name << ": " << result.error().what();
        EXPECT_EQ("mode:cgroup: cgroup mode", result->mode.report);
        EXPECT_TRUE(result->policy_path.empty());
        const Json before = Json::parse(input);
        const Json after = Json::parse(result->config);
        for (const auto* stage : {"createRuntime", "poststop"}) {
            const Json& list = after["hooks"][stage];
            ASSERT_FALSE(list.empty()) << name << " " << stage;
            EXPECT_EQ(settings_.hook, list.back()["path"]);
            EXPECT_EQ(Json::array({"landlock-oci-hook", stage}), list.back()["args"]);
        }
        Json kept = after;
        kept.erase("hooks");
        Json original = before;
        original.erase("hooks");
        EXPECT_EQ(original.dump(), kept.dump()) << name;  // args, mounts, order: all as they were
    }
    EXPECT_EQ(0U, stored_policies());
}

TEST_F(Rewrite, mode_auto_with_cgroup_mode_is_both_the_launcher_and_the_hooks) {
    offer_cgroup_mode();
    settings_.hooks_in_native_mode = false;
    auto result = rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin"}}), settings_);
    ASSERT_TRUE(result) << result.error().what();
    EXPECT_EQ("mode:auto: native and cgroup mode", result->mode.report);
    EXPECT_EQ("both", result->mode.name());
    const Json after = Json::parse(result->config);
    EXPECT_TRUE(starts_through_launcher(after["process"]));
    EXPECT_EQ(1U, after["hooks"]["createRuntime"].size());
    EXPECT_EQ(1U, after["hooks"]["poststop"].size());
}

TEST_F(Rewrite, cgroup_mode_without_the_hook_binary_refuses) {
    offer_cgroup_mode();
    settings_.hook = (root_ / "no-such-hook").string();
    auto result =
        rewrite_config(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin mode:cgroup"}}), settings_);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().what(), HasSubstr("the hook " + settings_.hook + " is missing"));
    EXPECT_THAT(result.error().what(), HasSubstr("LANDLOCK_OCI_HOOK"));
    EXPECT_EQ(0U, stored_policies());
}

TEST_F(Rewrite, an_inline_json_policy_works) {
    const std::string policy =
        R"({"ruleset":[{"handledAccessFs":["execute","read_file","read_dir","write_file"]}],)"
        R"("pathBeneath":[{"allowedAccess":["execute","read_file","read_dir"],"parent":["/bin"]}]})";
    auto result = rewrite_config(with_annotations("crun-spec.json", {{"io.landlock.policy", policy}}), settings_);
    ASSERT_TRUE(result) << result.error().what();
    EXPECT_TRUE(result->changed);
}

TEST_F(Rewrite, a_bad_inline_policy_names_the_annotation) {
    auto result =
        rewrite_config(with_annotations("crun-spec.json", {{"io.landlock.policy", R"({"ruleset": 3})"}}), settings_);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().what(), StartsWith("io.landlock.policy"));
}

TEST_F(Rewrite, a_config_without_process_args_is_refused_when_a_policy_is_asked_for) {
    Json config = Json::parse(with_annotations("runc-spec.json", {{"io.landlock.rules", "rx:/bin"}}));
    config["process"]["args"] = Json::array();
    auto result = rewrite_config(config.dump(), settings_);
    ASSERT_FALSE(result);
    EXPECT_THAT(result.error().what(), HasSubstr("/process/args"));
}

TEST_F(Rewrite, garbage_is_refused) {
    for (const std::string input : {"", "[]", "{", "null", "{\"annotations\": 5}"}) {
        EXPECT_FALSE(rewrite_config(input, settings_)) << input;
    }
}

TEST(RewriteProcess, prefixes_an_exec_process_once) {
    const std::string process = R"({"terminal":false,"args":["cat","/secret/file"],"cwd":"/"})";
    auto once = rewrite_process(process);
    ASSERT_TRUE(once) << once.error().what();
    const Json after = Json::parse(*once);
    EXPECT_EQ(Json::array({kLaunchInContainer, "--policy", kPolicyInContainer, "--", "cat", "/secret/file"}),
              after["args"]);
    EXPECT_EQ(false, after["terminal"]);
    auto twice = rewrite_process(*once);
    ASSERT_TRUE(twice);
    EXPECT_EQ(*once, *twice);
    EXPECT_FALSE(rewrite_process(R"({"args":[]})"));
}

}  // namespace
}  // namespace llh::test
