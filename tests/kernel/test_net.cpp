// TCP bind and connect through enforce(): EACCES when the port is not allowed, the network's own
// answer (ECONNREFUSED with nothing listening) when it is.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "tests/kernel/support.hpp"
#include "tests/support/require.hpp"

namespace llh::test {
namespace {

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// A port nothing listens on right now: the kernel picks it, we let it go again.
std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback(0);
    socklen_t size = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

int try_bind(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    const int reuse = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
    const sockaddr_in address = loopback(port);
    const int result = errno_of(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address));
    ::close(fd);
    return result;
}

int try_connect(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    const sockaddr_in address = loopback(port);
    const int result = errno_of(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address));
    ::close(fd);
    return result;
}

Policy net_policy(std::vector<PortRule> ports) {
    Policy policy;
    policy.handled_net = net::bind_tcp | net::connect_tcp;
    policy.ports = std::move(ports);
    policy.options.compat = Compat::hard;
    policy.options.log = LogMode::off;
    return policy;
}

TEST(Net, BindDeniedWithoutRule) {
    LLH_REQUIRE(kernel_abi() >= 4, "Landlock ABI 4 for TCP rules");
    const std::uint16_t port = free_port();
    const auto outcome = run_sandboxed(net_policy({}), [&] { return try_bind(port); });
    ASSERT_EQ("", outcome.error);
    EXPECT_EQ(EACCES, outcome.code);
}

TEST(Net, BindAllowedOnItsPortOnly) {
    LLH_REQUIRE(kernel_abi() >= 4, "Landlock ABI 4 for TCP rules");
    const std::uint16_t port = free_port();
    const std::uint16_t other = free_port();
    const auto outcome = run_sandboxed(net_policy({PortRule{port, net::bind_tcp, "bind rule"}}), [&] {
        if (const int error = try_bind(port); error != 0) return 100 + error;
        return other == port ? 0 : try_bind(other);
    });
    ASSERT_EQ("", outcome.error);
    EXPECT_EQ(other == port ? 0 : EACCES, outcome.code);
}

TEST(Net, ConnectDeniedIsEaccesAllowedIsConnrefused) {
    LLH_REQUIRE(kernel_abi() >= 4, "Landlock ABI 4 for TCP rules");
    const std::uint16_t port = free_port();
    const auto denied = run_sandboxed(net_policy({}), [&] { return try_connect(port); });
    ASSERT_EQ("", denied.error);
    EXPECT_EQ(EACCES, denied.code);

    const auto allowed = run_sandboxed(net_policy({PortRule{port, net::connect_tcp, "connect rule"}}),
                                       [&] { return try_connect(port); });
    ASSERT_EQ("", allowed.error);
    EXPECT_EQ(ECONNREFUSED, allowed.code);
}

// A bind rule does not allow connect, and the other way round.
TEST(Net, BindAndConnectAreSeparateRights) {
    LLH_REQUIRE(kernel_abi() >= 4, "Landlock ABI 4 for TCP rules");
    const std::uint16_t port = free_port();
    const auto outcome =
        run_sandboxed(net_policy({PortRule{port, net::bind_tcp, "bind rule"}}), [&] { return try_connect(port); });
    ASSERT_EQ("", outcome.error);
    EXPECT_EQ(EACCES, outcome.code);
}

// Handling only connect leaves bind alone: network rights are handled only when named.
TEST(Net, UnhandledRightIsNotRestricted) {
    LLH_REQUIRE(kernel_abi() >= 4, "Landlock ABI 4 for TCP rules");
    const std::uint16_t port = free_port();
    Policy policy = net_policy({});
    policy.handled_net = net::connect_tcp;
    const auto outcome = run_sandboxed(policy, [&] { return try_bind(port); });
    ASSERT_EQ("", outcome.error);
    EXPECT_EQ(0, outcome.code);
}

}  // namespace
}  // namespace llh::test
