// Specifiers as systemd.unit(5) defines them, for system and user managers.
#include <gtest/gtest.h>

#include "systemd/specifiers.hpp"

namespace llh::sd {
namespace {

UnitName name(std::string_view text) {
    auto parsed = parse_unit_name(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(UnitName{});
}

std::string expand(std::string_view text, std::string_view unit, const ManagerContext& manager = {}) {
    auto out = expand_specifiers(text, name(unit), manager);
    EXPECT_TRUE(out) << (out ? "" : out.error().what());
    return out.value_or("");
}

TEST(Specifiers, UnitNameParts) {
    EXPECT_EQ("postgresql@15-main.service postgresql@15-main postgresql 15-main 15/main",
              expand("%n %N %p %i %I", "postgresql@15-main.service"));
    EXPECT_EQ("web.service web web  ", expand("%n %N %p %i %I", "web.service"));
    EXPECT_EQ("/dev/ttyS0", expand("/dev/%I", "serial-getty@ttyS0.service"));
    EXPECT_EQ("a/b/c a\\x2fb-c", expand("%P %p", "a\\x2fb-c.service"));
    EXPECT_EQ("c-d d d", expand("%p %j %J", "c-d.service"));
}

TEST(Specifiers, EscapedInstanceAndFile) {
    EXPECT_EQ("/home/user one", expand("%f", "backup@home-user\\x20one.service"));
    EXPECT_EQ("home-user\\x20one", expand("%i", "backup@home-user\\x20one.service"));
    EXPECT_EQ("d", expand("%j", "a-b-c-d.service"));
}

TEST(Specifiers, SystemManagerDirectories) {
    EXPECT_EQ("/root /run /var/lib /var/cache /var/log /etc root 0 %", expand("%h %t %S %C %L %E %u %U %%", "web.service"));
}

TEST(Specifiers, UserManagerDirectoriesFollowSystemd252) {
    ManagerContext user;
    user.scope = Scope::user;
    user.home = "/home/u";
    user.runtime_dir = "/run/user/1000";
    user.config_dir = "/home/u/.config";
    user.state_dir = user.config_dir;
    user.cache_dir = "/home/u/.cache";
    user.log_dir = "/home/u/.config/log";
    EXPECT_EQ("/home/u /run/user/1000 /home/u/.config /home/u/.cache /home/u/.config/log",
              expand("%h %t %S %C %L", "web.service", user));
}

TEST(Specifiers, UnknownAndDanglingAreErrors) {
    auto unknown = expand_specifiers("rw:/%b", name("web.service"), {});
    ASSERT_FALSE(unknown);
    EXPECT_EQ("unknown specifier \"%b\" (hint: LandlockPolicy= knows %n %N %p %P %i %I %j %J %f %u %U %h %t %S %C %L "
              "%E %T %V %%; write \"%%\" for a percent sign)",
              unknown.error().what());
    auto dangling = expand_specifiers("rw:/tmp/100%", name("web.service"), {});
    ASSERT_FALSE(dangling);
    EXPECT_EQ("a lone \"%\" at the end (hint: write \"%%\" for a percent sign)", dangling.error().what());
}

TEST(UnitNames, ParseValidateAndDropinOrder) {
    EXPECT_FALSE(parse_unit_name("noextension"));
    EXPECT_FALSE(parse_unit_name("a@b@c.service"));
    EXPECT_FALSE(parse_unit_name("sp ace.service"));
    EXPECT_TRUE(parse_unit_name("getty@.service")->is_template);
    EXPECT_EQ((std::vector<std::string>{"foo-bar-baz.service", "foo-bar-.service", "foo-.service", "service"}),
              dropin_names(name("foo-bar-baz.service")));
    EXPECT_EQ((std::vector<std::string>{"a-b@i.service", "a-b@.service", "a-@i.service", "a-@.service", "service"}),
              dropin_names(name("a-b@i.service")));
    EXPECT_EQ((std::vector<std::string>{"foo-.service", "service"}), dropin_names(name("foo-.service")));
}

}  // namespace
}  // namespace llh::sd
