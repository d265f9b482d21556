// io.landlock.* annotations: what asks for a policy, and file:NAME staying in the policy directory.
#include <gmock/gmock.h>

#include "oci-hook/annotations.hpp"
#include "oci_fixture.hpp"

namespace llh::test {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class Annotations : public OciTest {
protected:
    Result<BuiltPolicy> build(const std::string& rules) {
        LandlockRequest request;
        request.rules = rules;
        return build_policy(request, {settings_.include_directory, 7, {}});
    }
};

TEST(FindRequest, only_landlock_keys_ask_for_a_policy) {
    auto none = find_request(Json{{"io.container.manager", "libpod"}});
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    auto absent = find_request(Json());
    ASSERT_TRUE(absent);
    EXPECT_FALSE(*absent);
    auto some = find_request(Json{{"io.landlock.rules", "rx:/bin"}, {"io.landlock.policy", "{}"}});
    ASSERT_TRUE(some);
    ASSERT_TRUE(*some);
    EXPECT_EQ("rx:/bin", (*some)->rules.value());
    EXPECT_EQ("{}", (*some)->policy.value());
}

TEST(FindRequest, refuses_what_it_does_not_understand) {
    EXPECT_FALSE(find_request(Json{{"io.landlock.rulez", "rx:/bin"}}));
    EXPECT_FALSE(find_request(Json{{"io.landlock.rules", 5}}));
    EXPECT_FALSE(find_request(Json::array()));
}

TEST(MightRequestPolicy, is_false_only_when_no_key_can_be_a_landlock_one) {
    EXPECT_FALSE(might_request_policy(sample("runc-spec.json")));
    EXPECT_FALSE(might_request_policy(R"({"annotations":{"io.container.manager":"libpod"}})"));
    EXPECT_TRUE(might_request_policy(R"({"annotations":{"io.landlock.rules":"rx:/bin"}})"));
    EXPECT_TRUE(might_request_policy(R"({"annotations":{"io.landlock.rulez":"x"}})"));  // refused later
    // A \u escape can spell the key: such a config is parsed, and the escaped key asks for a policy.
    const std::string escaped = R"({"annotations":{"io\u002elandlock.rules":"rx:/bin"}})";
    EXPECT_TRUE(might_request_policy(escaped));
    auto request = find_request(Json::parse(escaped)["annotations"]);
    ASSERT_TRUE(request);
    EXPECT_TRUE(*request);
}

TEST_F(Annotations, file_name_is_read_from_the_policy_directory) {
    write_text(root_ / "policies" / "web.json",
               R"({"ruleset":[{"handledAccessFs":["read_file","read_dir","execute"]}],)"
               R"("pathBeneath":[{"allowedAccess":["read_file","read_dir"],"parent":["/srv/www"]}]})");
    auto built = build("rx:/bin file:web");
    ASSERT_TRUE(built) << built.error().what();
    bool found = false;
    for (const auto& rule : built->policy.paths) found = found || rule.path == "/srv/www";
    EXPECT_TRUE(found);
}

TEST_F(Annotations, file_with_a_path_is_refused) {
    for (const std::string name : {"/etc/passwd", "../passwd", "a/b", ".hidden", "..", "."}) {
        auto built = build("rx:/bin file:" + name);
        ASSERT_FALSE(built) << name;
        EXPECT_THAT(built.error().what(), StartsWith("io.landlock.rules: ")) << name;
        EXPECT_THAT(built.error().what(), HasSubstr("/etc/landlock/policies/")) << name;
    }
}

TEST_F(Annotations, a_symlink_out_of_the_policy_directory_is_refused) {
    write_text(root_ / "outside.json", R"({"ruleset":[{"handledAccessFs":["read_file"]}]})");
    std::filesystem::create_symlink(root_ / "outside.json", root_ / "policies" / "escape.json");
    auto built = build("file:escape");
    ASSERT_FALSE(built);
    EXPECT_THAT(built.error().what(), HasSubstr("escape.json is a symbolic link that leads out of"));
}

TEST_F(Annotations, a_missing_file_names_where_it_was_looked_for) {
    auto built = build("file:nothere");
    ASSERT_FALSE(built);
    EXPECT_THAT(built.error().what(), HasSubstr("no policy named \"nothere\" in " + settings_.include_directory));
}

}  // namespace
}  // namespace llh::test
