// One bounded read for every file and pipe the binaries take in: hook stdin, config.json,
// policy files, /proc files, caches. Each caller words its own errors and limits.
#pragma once

#include <cstddef>
#include <string>

#include "libpolicy/result.hpp"

namespace llh {

// Reads fd to its end, never more than `limit` + 1 bytes: a result longer than `limit` tells
// "over the limit" from "exactly at it" without reading an endless pipe to its end. The error
// carries errno alone ("read"), for the caller to say what it was reading.
//
// The string grows as the data comes, from `expected` + 1 bytes (a file's size, so that a file
// is read in one round) or 4 KiB, doubling: every page of a buffer costs a page fault when first
// touched (~14 us in a VM with shadow paging), so a buffer sized for the worst case would make a
// 2 KiB /proc file cost a thousand of them.
Result<std::string> read_up_to(int fd, std::size_t limit, std::size_t expected = 0);

// The file at `path` (opened read-only) the same way; the error carries errno alone ("open" or
// "read").
Result<std::string> read_file_up_to(const std::string& path, std::size_t limit);

// A /proc file whole (mountinfo, cgroup, filesystems: a few KiB, and their size says nothing
// before reading). Errors: "cannot read PATH" with errno, or "PATH is larger than 4 MiB" (EFBIG).
Result<std::string> read_proc_file(const std::string& path);

}  // namespace llh
