// bpf-map-count PINNED_MAP...: prints how many keys each pinned BPF map holds, one number a line,
// read with the bpf(2) syscall alone (the guest has no bpftool). Tests use it to see that no
// rule entry of cgroup mode outlives its policy. Exit status 1 when a map cannot be read.
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

long sys_bpf(int command, bpf_attr& attr) {
    return ::syscall(__NR_bpf, command, &attr, sizeof attr);
}

std::uint64_t address(const void* pointer) {
    return reinterpret_cast<std::uintptr_t>(pointer);
}

// Returns the number of keys, or -1 with errno set.
long count_keys(const char* pin) {
    bpf_attr attr{};
    attr.pathname = address(pin);
    const long fd = sys_bpf(BPF_OBJ_GET, attr);
    if (fd < 0) return -1;
    bpf_map_info info{};
    attr = bpf_attr{};
    attr.info.bpf_fd = static_cast<std::uint32_t>(fd);
    attr.info.info_len = sizeof info;
    attr.info.info = address(&info);
    long count = 0;
    if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, attr) != 0) {
        count = -1;
    } else {
        std::vector<unsigned char> key(info.key_size), next(info.key_size);
        bool first = true;
        for (;;) {
            attr = bpf_attr{};
            attr.map_fd = static_cast<std::uint32_t>(fd);
            attr.key = first ? 0 : address(key.data());  // no key: the first one
            attr.next_key = address(next.data());
            if (sys_bpf(BPF_MAP_GET_NEXT_KEY, attr) != 0) {
                if (errno != ENOENT) count = -1;
                break;
            }
            ++count;
            first = false;
            key.swap(next);
        }
    }
    const int saved = errno;
    ::close(static_cast<int>(fd));
    errno = saved;
    return count;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs("usage: bpf-map-count PINNED_MAP...\n", stderr);
        return 2;
    }
    int status = 0;
    for (int i = 1; i < argc; ++i) {
        const long count = count_keys(argv[i]);
        if (count < 0) {
            std::fprintf(stderr, "bpf-map-count: %s: %s\n", argv[i], std::strerror(errno));
            status = 1;
            continue;
        }
        std::printf("%ld\n", count);
    }
    return status;
}
