// Bounded reads and atomic writes for the files hooks and the runtime wrapper handle.
// Everything read here may come from an untrusted container configuration.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "libpolicy/result.hpp"

namespace llh {

// Reads fd to EOF. Past `limit` bytes it keeps draining (a runtime writing a hook's stdin must
// never block or get EPIPE) and then fails. `expected`: the size to read in the first round
// (a file's size), so that a small file costs no more memory than it needs.
Result<std::string> read_all(int fd, std::size_t limit, std::string_view what, std::size_t expected = 0);

// Reads a regular file of at most `limit` bytes; refuses symlinks in the last component.
Result<std::string> read_bounded_file(const std::string& path, std::size_t limit);

// Writes `data` to `path` through a temporary file in the same directory and rename(), so a
// reader sees the old or the new content, never a torn one.
Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode);

// The same for a file in a volatile directory (/run/landlock-hooks: a tmpfs on Debian, emptied at
// boot), where only readers need the atomicity: an existing file is swapped out rather than
// renamed over (see the definition for why).
Result<void> replace_volatile_file(const std::string& path, std::string_view data, mode_t mode);

// mkdir -p with `mode` for each created component.
Result<void> make_directories(const std::string& path, mode_t mode);

// Writes all of `data` to fd (retrying on EINTR and short writes).
Result<void> write_all(int fd, std::string_view data);

}  // namespace llh
