// IORING_OP_OPENAT through io_uring_setup/mmap/io_uring_enter, without liburing: an open that does
// not go through the openat syscall, so a sandbox that only watched syscalls would miss it.
// A kernel with io_uring disabled (io_uring_disabled sysctl, or not built) answers io_uring_setup
// with EPERM or ENOSYS: the row gets "SETUP:io_uring_setup:EPERM", which fails it.
#include <fcntl.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "tests/conformance/actions.hpp"

namespace llh::conformance {
namespace {

struct Mapping {
    void* address = MAP_FAILED;
    std::size_t size = 0;
    ~Mapping() {
        if (address != MAP_FAILED) ::munmap(address, size);
    }
};

template <class T>
T* at(void* base, std::uint32_t offset) {
    return reinterpret_cast<T*>(static_cast<char*>(base) + offset);
}

}  // namespace

std::string uring_open(const std::string& path, int flags, bool async) {
    io_uring_params params{};
    const long ring = ::syscall(__NR_io_uring_setup, 4, &params);
    if (ring < 0) return "SETUP:io_uring_setup:" + errno_token(errno);
    const int ring_fd = static_cast<int>(ring);
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{ring_fd};

    const std::size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(std::uint32_t);
    const std::size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
    const bool single = (params.features & IORING_FEAT_SINGLE_MMAP) != 0;
    Mapping sq, cq, sqes;
    sq.size = single ? std::max(sq_size, cq_size) : sq_size;
    sq.address =
        ::mmap(nullptr, sq.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQ_RING);
    if (sq.address == MAP_FAILED) return "SETUP:mmap-sq:" + errno_token(errno);
    void* cq_base = sq.address;
    if (!single) {
        cq.size = cq_size;
        cq.address =
            ::mmap(nullptr, cq.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_CQ_RING);
        if (cq.address == MAP_FAILED) return "SETUP:mmap-cq:" + errno_token(errno);
        cq_base = cq.address;
    }
    sqes.size = params.sq_entries * sizeof(io_uring_sqe);
    sqes.address =
        ::mmap(nullptr, sqes.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQES);
    if (sqes.address == MAP_FAILED) return "SETUP:mmap-sqes:" + errno_token(errno);

    auto* sqe = static_cast<io_uring_sqe*>(sqes.address);
    *sqe = io_uring_sqe{};
    sqe->opcode = IORING_OP_OPENAT;
    sqe->flags = async ? IOSQE_ASYNC : 0;
    sqe->fd = AT_FDCWD;
    sqe->addr = reinterpret_cast<std::uint64_t>(path.c_str());
    sqe->len = 0644;  // mode
    sqe->open_flags = static_cast<std::uint32_t>(flags | O_CLOEXEC);
    sqe->user_data = 1;

    const std::uint32_t mask = *at<std::uint32_t>(sq.address, params.sq_off.ring_mask);
    auto* tail = at<std::uint32_t>(sq.address, params.sq_off.tail);
    auto* array = at<std::uint32_t>(sq.address, params.sq_off.array);
    const std::uint32_t index = *tail;
    array[index & mask] = 0;
    std::atomic_ref<std::uint32_t>(*tail).store(index + 1, std::memory_order_release);

    const long entered = ::syscall(__NR_io_uring_enter, ring_fd, 1, 1, IORING_ENTER_GETEVENTS, nullptr, 0);
    if (entered < 0) return "SETUP:io_uring_enter:" + errno_token(errno);

    auto* cq_head = at<std::uint32_t>(cq_base, params.cq_off.head);
    auto* cq_tail = at<std::uint32_t>(cq_base, params.cq_off.tail);
    const std::uint32_t cq_mask = *at<std::uint32_t>(cq_base, params.cq_off.ring_mask);
    const std::uint32_t head = std::atomic_ref<std::uint32_t>(*cq_head).load(std::memory_order_acquire);
    if (head == std::atomic_ref<std::uint32_t>(*cq_tail).load(std::memory_order_acquire)) return "SETUP:no-completion";
    const io_uring_cqe* cqe = at<io_uring_cqe>(cq_base, params.cq_off.cqes) + (head & cq_mask);
    const int result = cqe->res;
    std::atomic_ref<std::uint32_t>(*cq_head).store(head + 1, std::memory_order_release);
    if (result < 0) return errno_token(-result);
    ::close(result);
    return "OK";
}

}  // namespace llh::conformance
