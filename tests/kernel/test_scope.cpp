// Landlock scopes (ABI 6) through enforce(): a domain cannot signal or reach the abstract
// sockets of processes outside it (EPERM), while inside it everything still works.
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

#include "libpolicy/unique_fd.hpp"
#include "tests/kernel/support.hpp"
#include "tests/support/require.hpp"

namespace llh::test {
namespace {

Policy scope_policy(Scopes scoped) {
    Policy policy;
    policy.scoped = scoped;
    policy.options.compat = Compat::hard;
    policy.options.log = LogMode::off;
    return policy;
}

// Signals a child forked inside the domain: same domain, allowed.
int signal_own_child() {
    const pid_t child = ::fork();
    if (child < 0) return errno;
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    const int result = errno_of(::kill(child, SIGKILL));
    ::waitpid(child, nullptr, 0);
    return result;
}

TEST(ScopeSignal, OutsideTheDomainIsEperm) {
    LLH_REQUIRE(kernel_abi() >= 6, "Landlock ABI 6 for scopes");
    const pid_t outside = ::getpid();  // this test process stays outside the child's domain
    const auto outcome = run_sandboxed(scope_policy(scope::signal), [&] { return errno_of(::kill(outside, 0)); });
    ASSERT_EQ("", outcome.error);
    EXPECT_EQ(EPERM, outcome.code);
}

TEST(ScopeSignal, InsideTheDomainIsAllowed) {
    LLH_REQUIRE(kernel_abi() >= 6, "Landlock ABI 6 for scopes");
    const auto outcome = run_sandboxed(scope_policy(scope::signal), signal_own_child);
    ASSERT_EQ("", outcome.error);
    EXPECT_EQ(0, outcome.code);
}

TEST(ScopeSignal, NotScopedIsAllowed) {
    LLH_REQUIRE(kernel_abi() >= 6, "Landlock ABI 6 for scopes");
    const pid_t outside = ::getpid();
    // Only the socket scope: signals stay free.
    const auto outcome =
        run_sandboxed(scope_policy(scope::abstract_unix_socket), [&] { return errno_of(::kill(outside, 0)); });
    ASSERT_EQ("", outcome.error);
    EXPECT_EQ(0, outcome.code);
}

// An abstract socket name unique to the test process (computed before forking: the child's pid
// differs).
std::string unique_name(const std::string& tag) {
    return "llh-scope-" + std::to_string(::getpid()) + "-" + tag;
}

sockaddr_un abstract_address(const std::string& name, socklen_t& size) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + 1, name.data(), name.size());  // sun_path[0] = '\0': abstract
    size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    return address;
}

UniqueFd listen_abstract(const std::string& name) {
    socklen_t size = 0;
    const sockaddr_un address = abstract_address(name, size);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), size) != 0 ||
        ::listen(fd.get(), 4) != 0) {
        throw std::runtime_error("cannot listen on an abstract socket");
    }
    return fd;
}

int connect_abstract(const std::string& name) {
    socklen_t size = 0;
    const sockaddr_un address = abstract_address(name, size);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return errno;
    return errno_of(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), size));
}

TEST(ScopeAbstractSocket, BoundOutsideTheDomainIsEperm) {
    LLH_REQUIRE(kernel_abi() >= 6, "Landlock ABI 6 for scopes");
    const std::string name = unique_name("outside");
    const UniqueFd server = listen_abstract(name);
    const auto outcome =
        run_sandboxed(scope_policy(scope::abstract_unix_socket), [&] { return connect_abstract(name); });
    ASSERT_EQ("", outcome.error);
    EXPECT_EQ(EPERM, outcome.code);
}

TEST(ScopeAbstractSocket, BoundInsideTheDomainIsAllowed) {
    LLH_REQUIRE(kernel_abi() >= 6, "Landlock ABI 6 for scopes");
    const std::string name = unique_name("inside");
    const auto outcome = run_sandboxed(scope_policy(scope::abstract_unix_socket), [&] {
        const UniqueFd server = listen_abstract(name);
        return connect_abstract(name);
    });
    ASSERT_EQ("", outcome.error);
    EXPECT_EQ(0, outcome.code);
}

TEST(ScopeAbstractSocket, NotScopedIsAllowed) {
    LLH_REQUIRE(kernel_abi() >= 6, "Landlock ABI 6 for scopes");
    const std::string name = unique_name("unscoped");
    const UniqueFd server = listen_abstract(name);
    const auto outcome = run_sandboxed(scope_policy(scope::signal), [&] { return connect_abstract(name); });
    ASSERT_EQ("", outcome.error);
    EXPECT_EQ(0, outcome.code);
}

}  // namespace
}  // namespace llh::test
