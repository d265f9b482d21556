// The real landlock-launch binary as a real process: what a user sees on stdout, stderr and in
// the exit code.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>

#include "launch/policy_sources.hpp"
#include "tests/kernel/support.hpp"
#include "tests/support/require.hpp"

#ifndef LLH_LAUNCH_PATH
#error "LLH_LAUNCH_PATH must name the landlock-launch binary"
#endif

namespace llh::test {
namespace {

const std::string kLaunch = LLH_LAUNCH_PATH;

std::size_t line_count(const std::string& text) {
    std::size_t lines = 0;
    for (char c : text) lines += c == '\n' ? 1 : 0;
    return lines;
}

// allowed/f can be read, denied/f cannot; the rest of the tree is the test's own.
class Launch : public ::testing::Test {
protected:
    void SetUp() override {
        LLH_REQUIRE(kernel_abi() >= 1, "Landlock enabled in this kernel");
        allowed_ = tree_.make_dir("allowed");
        allowed_file_ = tree_.make_file("allowed/f", "hello\n");
        tree_.make_dir("denied");
        denied_file_ = tree_.make_file("denied/f", "secret\n");
    }

    ProcessResult launch(std::vector<std::string> arguments, const std::string& input = {}) {
        arguments.insert(arguments.begin(), kLaunch);
        return run_process(arguments, input);
    }

    std::string json_policy() const {
        return R"({"abi": 4,
  "ruleset": [{"handledAccessFs": ["abi.all"]}],
  "pathBeneath": [
    {"allowedAccess": ["abi.read_execute"], "parent": ["/usr"]},
    {"allowedAccess": ["read_file", "read_dir"], "parent": [")" +
               allowed_ + R"("]}
  ]})";
    }

    std::string rules() const { return "rx:/usr ro:" + allowed_; }

    TempTree tree_;
    std::string allowed_, allowed_file_, denied_file_;
};

TEST_F(Launch, PolicyFileAllowsAndDenies) {
    const std::string policy = tree_.make_file("policy.json", json_policy());
    const auto read = launch({"--policy", policy, "--", "/bin/cat", allowed_file_});
    EXPECT_EQ(0, read.exit_code) << read.err;
    EXPECT_EQ("hello\n", read.out);
    EXPECT_EQ("", read.err);

    const auto refused = launch({"--policy", policy, "--", "/bin/cat", denied_file_});
    EXPECT_EQ(1, refused.exit_code);
    EXPECT_EQ("", refused.out);
    EXPECT_EQ("/bin/cat: " + denied_file_ + ": Permission denied\n", refused.err);
}

TEST_F(Launch, RuleStringAllowsAndDenies) {
    const auto read = launch({"--rules", rules(), "--", "cat", allowed_file_});
    EXPECT_EQ(0, read.exit_code) << read.err;
    EXPECT_EQ("hello\n", read.out);

    const auto refused = launch({"--rules", rules(), "--", "/bin/cat", denied_file_});
    EXPECT_EQ(1, refused.exit_code);
    EXPECT_EQ("/bin/cat: " + denied_file_ + ": Permission denied\n", refused.err);
}

TEST_F(Launch, PolicyFromFd) {
    const auto read = launch({"--policy-fd", "0", "--", "/bin/cat", allowed_file_}, json_policy());
    EXPECT_EQ(0, read.exit_code) << read.err;
    EXPECT_EQ("hello\n", read.out);
    const auto refused = launch({"--policy-fd", "0", "--", "/bin/cat", denied_file_}, json_policy());
    EXPECT_EQ(1, refused.exit_code);
}

// The policy's fd is the launcher's: the workload does not inherit it.
TEST_F(Launch, PolicyFdIsNotInherited) {
    const std::string policy = tree_.make_file("policy.json", json_policy());
    const int fd = ::open(policy.c_str(), O_RDONLY);  // inherited by the launcher, no O_CLOEXEC
    ASSERT_GE(fd, 3);
    const std::string fd_path = "/proc/self/fd/" + std::to_string(fd);
    const auto result = launch({"--policy-fd", std::to_string(fd), "--rules", "ro:/proc", "--", "/bin/ls", fd_path});
    ::close(fd);
    EXPECT_EQ(2, result.exit_code);
    EXPECT_NE(std::string::npos, result.err.find("No such file or directory")) << result.err;
}

TEST_F(Launch, CommandNotFoundIs127) {
    const auto result = launch({"--rules", rules(), "--", "/nonexistent/llh-command"});
    EXPECT_EQ(127, result.exit_code);
    EXPECT_EQ("landlock-launch: cannot execute \"/nonexistent/llh-command\": No such file or directory\n", result.err);
}

// Execution denied by the sandbox: the command was found, it cannot run.
TEST_F(Launch, CommandNotExecutableIs126) {
    const auto result = launch({"--rules", "ro:/usr", "--", "/bin/true"});
    EXPECT_EQ(126, result.exit_code);
    EXPECT_EQ("landlock-launch: cannot execute \"/bin/true\": Permission denied\n", result.err);
}

TEST_F(Launch, UsageErrorsAre2) {
    const auto no_command = launch({"--rules", rules()});
    EXPECT_EQ(2, no_command.exit_code);
    EXPECT_EQ(0U, no_command.err.find("landlock-launch: no command to run\nusage: landlock-launch "));

    const auto unknown = launch({"--frobnicate", "--", "/bin/true"});
    EXPECT_EQ(2, unknown.exit_code);
    EXPECT_EQ(0U, unknown.err.find("landlock-launch: unknown option \"--frobnicate\"\n"));

    const auto no_policy = launch({"--", "/bin/true"});
    EXPECT_EQ(2, no_policy.exit_code);
    EXPECT_EQ(0U,
              no_policy.err.find("landlock-launch: no policy: give --policy FILE, --policy-fd N or --rules STRING\n"));

    const auto bad_fd = launch({"--policy-fd", "x1", "--", "/bin/true"});
    EXPECT_EQ(2, bad_fd.exit_code);
    EXPECT_EQ(0U, bad_fd.err.find("landlock-launch: --policy-fd: \"x1\" is not a file descriptor number\n"));
}

TEST_F(Launch, MissingPolicyFileIs126) {
    const std::string missing = tree_.path("missing.json");
    const auto result = launch({"--policy", missing, "--", "/bin/echo", "ran"});
    EXPECT_EQ(126, result.exit_code);
    EXPECT_EQ("", result.out);
    EXPECT_EQ("landlock-launch: error: --policy: cannot open \"" + missing +
                  "\": No such file or directory (hint: check the file name)\n"
                  "landlock-launch: 1 error in the policy: \"/bin/echo\" was not started\n",
              result.err);
}

TEST_F(Launch, MalformedPolicyIs126) {
    const std::string policy = tree_.make_file("bad.json", "{\"pathBeneath\": [\n");
    const auto result = launch({"--policy", policy, "--", "/bin/echo", "ran"});
    EXPECT_EQ(126, result.exit_code);
    EXPECT_EQ("", result.out);
    EXPECT_EQ(2U, line_count(result.err)) << result.err;
    EXPECT_EQ(0U, result.err.find("landlock-launch: error: " + policy)) << result.err;
    EXPECT_NE(std::string::npos,
              result.err.find("\nlandlock-launch: 1 error in the policy: \"/bin/echo\" was not started\n"));
}

// A huge file is refused from its size, before anything is read: fast, whatever its content.
TEST_F(Launch, HundredMegabyteFileIsRefusedAtOnce) {
    const std::string policy = tree_.path("huge.json");
    {
        const int fd = ::open(policy.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(0, ::ftruncate(fd, off_t{100} * 1024 * 1024));
        ::close(fd);
    }
    const auto start = std::chrono::steady_clock::now();
    const auto result = launch({"--policy", policy, "--", "/bin/echo", "ran"});
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(126, result.exit_code);
    EXPECT_EQ("", result.out);
    EXPECT_EQ("landlock-launch: error: --policy: \"" + policy +
                  "\" is 104857600 bytes, larger than the limit of 4194304 bytes (hint: a policy file of this size is "
                  "not a policy: check the path)\n"
                  "landlock-launch: 1 error in the policy: \"/bin/echo\" was not started\n",
              result.err);
    EXPECT_LT(elapsed, std::chrono::milliseconds(500));
}

TEST_F(Launch, BinaryFileIsRefused) {
    const std::string policy = tree_.make_file("binary.json", std::string("{\"abi\": 1\0}", 11));
    const auto result = launch({"--policy", policy, "--", "/bin/echo", "ran"});
    EXPECT_EQ(126, result.exit_code);
    EXPECT_EQ("landlock-launch: error: --policy: \"" + policy +
                  "\" is a binary file (NUL byte at offset 9) (hint: a policy is a JSON or TOML text file)\n"
                  "landlock-launch: 1 error in the policy: \"/bin/echo\" was not started\n",
              result.err);
}

TEST_F(Launch, BadRuleStringIs126WithEveryError) {
    const auto result = launch({"--rules", "rx:/usr bind:70000 frob:1", "--", "/bin/echo", "ran"});
    EXPECT_EQ(126, result.exit_code);
    EXPECT_EQ("", result.out);
    EXPECT_EQ(3U, line_count(result.err)) << result.err;
    EXPECT_EQ(0U, result.err.find("landlock-launch: error: --rules: item 2 \"bind:70000\": port 70000 is out of range"))
        << result.err;
    EXPECT_NE(std::string::npos,
              result.err.find("\nlandlock-launch: 2 errors in the policy: \"/bin/echo\" was not started\n"));
}

TEST_F(Launch, BestEffortMissingPathWarnsAndStaysSandboxed) {
    const std::string missing = tree_.path("missing");
    const std::string policy = rules() + " ro:" + missing;
    const auto read = launch({"--rules", policy, "--", "/bin/cat", allowed_file_});
    EXPECT_EQ(0, read.exit_code) << read.err;
    EXPECT_EQ("hello\n", read.out);
    EXPECT_EQ("landlock-launch: warning: --rules: item 3 \"ro:" + missing + "\": \"" + missing +
                  "\" does not exist: the rule is skipped\n",
              read.err);

    const auto refused = launch({"--rules", policy, "--", "/bin/cat", denied_file_});
    EXPECT_EQ(1, refused.exit_code);
    EXPECT_NE(std::string::npos, refused.err.find("/bin/cat: " + denied_file_ + ": Permission denied\n"));

    const auto quiet = launch({"--quiet", "--rules", policy, "--", "/bin/cat", allowed_file_});
    EXPECT_EQ(0, quiet.exit_code);
    EXPECT_EQ("", quiet.err);
}

TEST_F(Launch, HardMissingPathIs126AndDoesNotRun) {
    const std::string missing = tree_.path("missing");
    const auto result =
        launch({"--quiet", "--rules", rules() + " ro:" + missing + " compat:hard", "--", "/bin/echo", "ran"});
    EXPECT_EQ(126, result.exit_code);
    EXPECT_EQ("", result.out);
    EXPECT_EQ("landlock-launch: --rules: item 3 \"ro:" + missing + "\": \"" + missing +
                  "\" does not exist (compat:hard): No such file or directory (hint: create it, fix the path, or use "
                  "compat:best-effort to skip missing paths): \"/bin/echo\" was not started\n",
              result.err);
}

// Files and a rule string add up: the file allows allowed/, the string allows denied/.
TEST_F(Launch, RulesAddToPolicyFiles) {
    const std::string policy = tree_.make_file("policy.json", json_policy());
    const auto result = launch(
        {"--policy", policy, "--rules", "ro:" + tree_.path("denied"), "--", "/bin/cat", allowed_file_, denied_file_});
    EXPECT_EQ(0, result.exit_code) << result.err;
    EXPECT_EQ("hello\nsecret\n", result.out);
}

TEST_F(Launch, IncludeByAbsolutePath) {
    const std::string policy = tree_.make_file("policy.json", json_policy());
    const auto result = launch({"--rules", "file:" + policy, "--", "/bin/cat", allowed_file_});
    EXPECT_EQ(0, result.exit_code) << result.err;
    EXPECT_EQ("hello\n", result.out);
}

TEST_F(Launch, IncludeNameCannotLeaveThePolicyDirectory) {
    const auto result = launch({"--rules", "rx:/usr file:../../etc/passwd", "--", "/bin/echo", "ran"});
    EXPECT_EQ(126, result.exit_code);
    EXPECT_EQ("", result.out);
    EXPECT_NE(std::string::npos, result.err.find("cannot include \"../../etc/passwd\": not a policy name"))
        << result.err;
}

}  // namespace
}  // namespace llh::test

namespace llh::test {
namespace {

// A FIFO would block a plain open() until a writer came: refused at once instead.
TEST(PolicySources, FifoIsRefusedWithoutBlocking) {
    TempTree tree;
    const std::string fifo = tree.path("fifo");
    ASSERT_EQ(0, ::mkfifo(fifo.c_str(), 0600));
    auto text = read_policy_file(fifo);
    ASSERT_FALSE(text);
    EXPECT_EQ("\"" + fifo + "\" is not a regular file (hint: a policy is a JSON or TOML text file)",
              text.error().what());
}

TEST(PolicySources, DirectoryIsRefused) {
    TempTree tree;
    auto text = read_policy_file(tree.root());
    ASSERT_FALSE(text);
    EXPECT_EQ("\"" + tree.root() + "\" is not a regular file (hint: a policy is a JSON or TOML text file)",
              text.error().what());
}

TEST(PolicySources, FileAtTheLimitIsRead) {
    TempTree tree;
    Limits limits;
    limits.max_document_bytes = 8;
    const std::string exact = tree.make_file("exact", "12345678");
    const std::string over = tree.make_file("over", "123456789");
    auto text = read_policy_file(exact, limits);
    ASSERT_TRUE(text) << text.error().what();
    EXPECT_EQ("12345678", *text);
    EXPECT_FALSE(read_policy_file(over, limits));
}

TEST(PolicySources, NoSourceIsAnError) {
    Diagnostics diagnostics;
    EXPECT_FALSE(load_policy(PolicySources{}, diagnostics));
    EXPECT_EQ("command line: error: no policy given (hint: use --policy FILE, --policy-fd N or --rules STRING)\n",
              diagnostics.format());
}

TEST(PolicySources, IncludeNamesStayInThePolicyDirectory) {
    for (const char* name : {"a/b", "..", "x..y"}) {
        Diagnostics diagnostics;
        PolicySources sources;
        sources.rules = std::string("rx:/usr file:") + name;
        EXPECT_FALSE(load_policy(sources, diagnostics)) << name;
        EXPECT_NE(std::string::npos, diagnostics.format().find("not a policy name")) << diagnostics.format();
    }
}

TEST(PolicySources, MissingIncludeNamesEveryCandidate) {
    Diagnostics diagnostics;
    PolicySources sources;
    sources.rules = "rx:/usr file:llh-no-such-policy";
    EXPECT_FALSE(load_policy(sources, diagnostics));
    const std::string base = std::string(kPolicyDirectory) + "/llh-no-such-policy";
    EXPECT_NE(std::string::npos, diagnostics.format().find("cannot include \"llh-no-such-policy\": no " + base + ", " +
                                                           base + ".json or " + base + ".toml"))
        << diagnostics.format();
}

// Files compose (intersection); the rule string adds (union); variables are expanded.
TEST(PolicySources, FilesComposeRulesAddVariablesExpand) {
    TempTree tree;
    const std::string first = tree.make_file("a.json", R"({"variable": [{"name": "d", "literal": ["/srv/a", "/srv/b"]}],
  "pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["${d}"]}]})");
    Diagnostics diagnostics;
    PolicySources sources;
    sources.files = {first};
    sources.rules = "ro:/etc";
    const auto policy = load_policy(sources, diagnostics);
    ASSERT_TRUE(policy) << diagnostics.format();
    std::vector<std::string> paths;
    for (const auto& rule : policy->paths) paths.push_back(rule.path);
    EXPECT_EQ((std::vector<std::string>{"/srv/a", "/srv/b", "/etc"}), paths);
    EXPECT_TRUE(policy->variables.empty());
}

}  // namespace
}  // namespace llh::test
