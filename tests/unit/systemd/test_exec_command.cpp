// ExecStart= command lines: words, prefixes, ";" separators, and the rewrite through the
// launcher that must keep every byte the admin wrote.
#include <gtest/gtest.h>

#include "systemd/exec_command.hpp"

namespace llh::sd {
namespace {

// The generator's options hold quoted rule values; a ":" command line quotes "$" differently.
const LaunchWords kLaunch{"/usr/bin/landlock-launch", [](bool expands_variables) {
                              return std::string("--unit %n --unit-rules ") +
                                     quote_keeping_specifiers("LandlockPolicy=rw:/srv/$x/%i", expands_variables);
                          }};

std::string routed(std::string_view value) {
    auto out = route_through_launcher(value, kLaunch);
    EXPECT_TRUE(out) << (out ? "" : out.error().what());
    return out.value_or("");
}

std::string refused(std::string_view value) {
    auto out = route_through_launcher(value, kLaunch);
    EXPECT_FALSE(out) << value;
    return out ? "" : out.error().what();
}

TEST(SplitWords, QuotesAndEscapes) {
    auto words = split_words(R"(/sbin/agetty -o '-p -- \\u' "a \"b\"" c\ d \x41 $TERM)");
    ASSERT_TRUE(words);
    ASSERT_EQ(7U, words->size());
    EXPECT_EQ("-p -- \\u", (*words)[2].value);
    EXPECT_EQ("'-p -- \\\\u'", std::string((*words)[2].raw));
    EXPECT_EQ("a \"b\"", (*words)[3].value);
    EXPECT_EQ("c d", (*words)[4].value);
    EXPECT_EQ("A", (*words)[5].value);
    EXPECT_EQ("$TERM", (*words)[6].value);
}

TEST(SplitWords, UnterminatedQuoteAndTrailingBackslashFail) {
    EXPECT_FALSE(split_words("/bin/a 'b"));
    EXPECT_FALSE(split_words("/bin/a b\\"));
}

TEST(ParseExec, PrefixesAreTakenOnce) {
    auto commands = parse_exec_value("-@:/bin/a argv0 x");
    ASSERT_TRUE(commands);
    EXPECT_EQ("-@:", (*commands)[0].prefixes);
    EXPECT_EQ("/bin/a", (*commands)[0].words[0].value);
    EXPECT_EQ("!!", (*parse_exec_value("!!/bin/a"))[0].prefixes);
    EXPECT_EQ("+", (*parse_exec_value("+/bin/a"))[0].prefixes);
    // "+!" is not a prefix set systemd accepts: the "!" stays in the path, which is what systemd does
    EXPECT_EQ("!/bin/a", (*parse_exec_value("+!/bin/a"))[0].words[0].value);
}

TEST(ParseExec, LoneSemicolonSeparatesEscapedAndQuotedDoNot) {
    auto commands = parse_exec_value("/bin/a 1 ; -/bin/b \\; ';' x;y");
    ASSERT_TRUE(commands);
    ASSERT_EQ(2U, commands->size());
    EXPECT_EQ("-", (*commands)[1].prefixes);
    ASSERT_EQ(4U, (*commands)[1].words.size());
    EXPECT_EQ(";", (*commands)[1].words[1].value);
    EXPECT_EQ(";", (*commands)[1].words[2].value);
}

TEST(Route, PlainCommandKeepsItsQuotingExactly) {
    EXPECT_EQ("/usr/bin/landlock-launch --unit %n --unit-rules \"LandlockPolicy=rw:/srv/$$x/%i\" -- /usr/sbin/nginx -g 'daemon off;'",
              routed("/usr/sbin/nginx -g 'daemon off;'"));
    EXPECT_EQ("-/usr/bin/landlock-launch --unit %n --unit-rules \"LandlockPolicy=rw:/srv/$$x/%i\" -- /sbin/agetty -o '-p -- \\\\u' "
              "--noclear - $TERM",
              routed("-/sbin/agetty -o '-p -- \\\\u' --noclear - $TERM"));
}

TEST(Route, EveryPrefixStaysInFront) {
    for (const std::string prefix : {"-", "+", "!", "!!", "-+"}) {
        EXPECT_EQ(prefix + "/usr/bin/landlock-launch --unit %n --unit-rules \"LandlockPolicy=rw:/srv/$$x/%i\" -- /bin/true x",
                  routed(prefix + "/bin/true x"));
    }
    // ":" turns variable expansion off, and with it the "$$" escape
    for (const std::string prefix : {":", "-:", ":!!"}) {
        EXPECT_EQ(prefix + "/usr/bin/landlock-launch --unit %n --unit-rules \"LandlockPolicy=rw:/srv/$x/%i\" -- /bin/true x",
                  routed(prefix + "/bin/true x"));
    }
}

TEST(Route, AtPrefixBecomesTheLaunchersArgv0Option) {
    EXPECT_EQ("-/usr/bin/landlock-launch --argv0 my-name --unit %n --unit-rules \"LandlockPolicy=rw:/srv/$$x/%i\" -- "
              "/bin/sleep 5",
              routed("-@/bin/sleep my-name 5"));
    EXPECT_EQ("/usr/bin/landlock-launch --argv0 'my name' --unit %n --unit-rules \"LandlockPolicy=rw:/srv/$$x/%i\" -- "
              "/bin/sh -c 'echo $0'",
              routed("@/bin/sh 'my name' -c 'echo $0'"));
    EXPECT_EQ("\"@\" needs a second word to use as argv[0] (hint: write @/usr/bin/foo foo …, or drop the \"@\")",
              refused("@/bin/sleep"));
}

TEST(Route, SeveralCommandsEachGoThroughTheLauncher) {
    EXPECT_EQ("/usr/bin/landlock-launch --unit %n --unit-rules \"LandlockPolicy=rw:/srv/$$x/%i\" -- /bin/a \\; ; "
              "-/usr/bin/landlock-launch --unit %n --unit-rules \"LandlockPolicy=rw:/srv/$$x/%i\" -- /bin/b \"x y\"",
              routed("/bin/a \\; ; -/bin/b \"x y\""));
}

TEST(Route, SpecifiersAndVariablesAreLeftToSystemd) {
    EXPECT_EQ("/usr/bin/landlock-launch --unit %n --unit-rules \"LandlockPolicy=rw:/srv/$$x/%i\" -- /usr/bin/pg_ctlcluster %i start "
              "${OPTS} $$HOME",
              routed("/usr/bin/pg_ctlcluster %i start ${OPTS} $$HOME"));
}

TEST(Route, BrokenLinesAreRefused) {
    EXPECT_EQ("an unterminated single quote (hint: close the quote, or escape it with a backslash)",
              refused("/bin/a 'oops"));
    EXPECT_EQ("an empty command before or after \";\" (hint: remove the extra \";\")", refused("/bin/a ; ; /bin/b"));
    EXPECT_EQ("the prefix \"-\" stands alone (hint: write the path right after it: -/usr/bin/…)", refused("- /bin/a"));
}

TEST(QuoteWord, CStyleWhereNeededAndPercentDoubled) {
    EXPECT_EQ("/usr/bin/landlock-launch", quote_word("/usr/bin/landlock-launch"));
    EXPECT_EQ("\"/opt/my tools/launch\"", quote_word("/opt/my tools/launch"));
    EXPECT_EQ("/opt/100%%/launch", quote_word("/opt/100%/launch"));
    EXPECT_EQ("\"a\\\"b\\\\c\\x09$$\"", quote_word("a\"b\\c\t$"));
    // what quote_word writes, split_words reads back (specifiers aside)
    auto back = split_words(quote_word("a \"q\" \\ \x01 z"));
    ASSERT_TRUE(back);
    ASSERT_EQ(1U, back->size());
    EXPECT_EQ("a \"q\" \\ \x01 z", (*back)[0].value);
}

TEST(QuoteKeepingSpecifiers, PercentStaysDollarDependsOnColon) {
    EXPECT_EQ("\"rw:/var/lib/%N ro:%h/.config\"", quote_keeping_specifiers("rw:/var/lib/%N ro:%h/.config"));
    EXPECT_EQ("\"a$$b \\\"q\\\" \\\\ \\x09\"", quote_keeping_specifiers("a$b \"q\" \\ \t"));
    EXPECT_EQ("\"a$b\"", quote_keeping_specifiers("a$b", false));
    auto back = split_words(quote_keeping_specifiers("rx:/usr \"x\" %i"));
    ASSERT_TRUE(back);
    ASSERT_EQ(1U, back->size());
    EXPECT_EQ("rx:/usr \"x\" %i", (*back)[0].value);
}

TEST(RunsThroughLauncher, ByFileNameAndWithACommand) {
    EXPECT_TRUE(runs_through_launcher("/usr/bin/landlock-launch", {"landlock-launch", "--policy", "p", "--", "/bin/a"},
                                      "/usr/bin/landlock-launch"));
    EXPECT_FALSE(runs_through_launcher("/bin/a", {"/bin/a"}, "/usr/bin/landlock-launch"));
    EXPECT_FALSE(runs_through_launcher("/usr/bin/landlock-launch", {"landlock-launch", "--policy", "p"},
                                       "/usr/bin/landlock-launch"));
}

}  // namespace
}  // namespace llh::sd
