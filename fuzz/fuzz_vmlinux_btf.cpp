// libFuzzer: the BPF LSM probe's BTF scanner (kernel/vmlinux_btf.cpp) on any bytes. It reads a
// kernel file, but a bug in its bounds would read past a buffer: every input gets an id or one
// of the documented refusals, never a crash.
// Run: build-fuzz/fuzz/fuzz_vmlinux_btf fuzz/corpus/vmlinux_btf -max_total_time=60
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/vmlinux_btf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> btf(reinterpret_cast<const std::byte*>(data), size);
    // The seed's names, and the empty one, which every NUL of the string section could be.
    for (const char* name : {"bpf_lsm_file_open", "f", ""}) {
        const auto id = llh::find_btf_func_id(btf, name);
        if (id && *id == 0) __builtin_trap();  // 0 is void, never a FUNC
        if (!id && id.error().errno_value != ENOENT && id.error().errno_value != EPROTO &&
            id.error().errno_value != EFBIG) {
            __builtin_trap();
        }
    }
    return 0;
}
