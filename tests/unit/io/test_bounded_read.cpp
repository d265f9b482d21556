// The one bounded read of every binary: whole files and pipes, never more than the limit + 1.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <gmock/gmock.h>

#include "io/bounded_read.hpp"
#include "libpolicy/unique_fd.hpp"
#include "tests/support/temp_tree.hpp"

namespace llh::test {
namespace {

class BoundedRead : public ::testing::Test {
protected:
    TempTree tree_{"llh-io"};
};

UniqueFd open_read(const std::string& path) {
    return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

TEST_F(BoundedRead, reads_a_file_whole_with_or_without_its_size) {
    const std::string text(300000, 'x');  // several doubling rounds from 4 KiB
    const std::string path = tree_.make_file("big", text);
    auto sized = read_up_to(open_read(path).get(), text.size(), text.size());
    ASSERT_TRUE(sized) << sized.error().what();
    EXPECT_EQ(text, *sized);
    auto unsized = read_up_to(open_read(path).get(), 1U << 20);
    ASSERT_TRUE(unsized) << unsized.error().what();
    EXPECT_EQ(text, *unsized);
    auto empty = read_up_to(open_read(tree_.make_file("empty", "")).get(), 10);
    ASSERT_TRUE(empty);
    EXPECT_EQ("", *empty);
}

// A result of limit + 1 bytes is how a caller tells "over the limit" from "exactly at it".
TEST_F(BoundedRead, stops_one_byte_past_the_limit) {
    const std::string path = tree_.make_file("ten", "0123456789");
    EXPECT_EQ("0123456789", read_up_to(open_read(path).get(), 10).value());
    EXPECT_EQ("0123456789", read_up_to(open_read(path).get(), 9).value());
    EXPECT_EQ("01234", read_up_to(open_read(path).get(), 4, 10).value());
}

// An endless writer: the read ends at limit + 1 bytes, however much more there is.
TEST_F(BoundedRead, never_reads_an_endless_pipe_past_the_limit) {
    int fds[2];
    ASSERT_EQ(0, ::pipe2(fds, O_CLOEXEC));
    const pid_t writer = ::fork();
    if (writer == 0) {
        ::close(fds[0]);
        const std::string chunk(65536, 'y');
        for (;;) {
            if (::write(fds[1], chunk.data(), chunk.size()) < 0) ::_exit(0);
        }
    }
    ::close(fds[1]);
    auto read = read_up_to(fds[0], 200000);
    ::close(fds[0]);  // the writer gets EPIPE and ends
    int status = 0;
    ::waitpid(writer, &status, 0);
    ASSERT_TRUE(read) << read.error().what();
    EXPECT_EQ(200001U, read->size());
}

TEST_F(BoundedRead, errors_carry_errno_for_the_caller_to_word) {
    auto closed = read_up_to(-1, 10);
    ASSERT_FALSE(closed);
    EXPECT_EQ(EBADF, closed.error().errno_value);
    auto directory = read_file_up_to(tree_.root(), 10);
    ASSERT_FALSE(directory);
    EXPECT_EQ(EISDIR, directory.error().errno_value);
    auto missing = read_file_up_to(tree_.path("missing"), 10);
    ASSERT_FALSE(missing);
    EXPECT_EQ(ENOENT, missing.error().errno_value);
}

// /proc files say size 0: read whole anyway, and a missing one names itself.
TEST_F(BoundedRead, reads_proc_files_whole) {
    auto mountinfo = read_proc_file("/proc/self/mountinfo");
    ASSERT_TRUE(mountinfo) << mountinfo.error().what();
    EXPECT_THAT(*mountinfo, ::testing::HasSubstr(" / / "));  // this namespace's root mount
    EXPECT_EQ('\n', mountinfo->back());
    auto missing = read_proc_file("/proc/self/no-such-file");
    ASSERT_FALSE(missing);
    EXPECT_EQ("cannot read /proc/self/no-such-file", missing.error().message);
    EXPECT_EQ(ENOENT, missing.error().errno_value);
}

}  // namespace
}  // namespace llh::test
