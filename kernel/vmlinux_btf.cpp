#include "kernel/vmlinux_btf.hpp"

#include <fcntl.h>
#include <linux/btf.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "libpolicy/unique_fd.hpp"

namespace llh {
namespace {

// The record sizes of include/uapi/linux/btf.h, which a BTF reader's arithmetic rests on.
static_assert(sizeof(btf_header) == 24 && sizeof(btf_type) == 12);
static_assert(sizeof(btf_array) == 12 && sizeof(btf_member) == 12 && sizeof(btf_enum) == 8);
static_assert(sizeof(btf_param) == 8 && sizeof(btf_var) == 4 && sizeof(btf_var_secinfo) == 12);
static_assert(sizeof(btf_decl_tag) == 4 && sizeof(btf_enum64) == 12);

// vmlinux BTF is ~5 MB on today's kernels; ten times that is not a kernel's BTF.
constexpr std::uint64_t kMaxBtfSize = std::uint64_t{64} << 20;

// The BTF is read through a window of this size, never whole: 5 MB of fresh memory costs ~20 ms
// of page faults in a VM guest (measured), several times the reads themselves (~2.5 ms). sysfs
// returns at most a page per read, so a larger window would save no system call.
constexpr std::size_t kWindow = 16 << 10;

// Kernel symbol names have at most KSYM_NAME_LEN (512) bytes; a longer one cannot be a function
// name, and the string scan keeps up to this many bytes from one window to the next.
constexpr std::size_t kMaxName = 4096;

tl::unexpected<Error> malformed(const std::string& what) {
    return fail_errno(EPROTO, "malformed BTF: " + what);
}

// Where the bytes come from: a buffer (tests, fuzzing) or the file, read piece by piece.
class Source {
public:
    virtual ~Source() = default;
    // Fills `out` from `offset`: fewer bytes only where the source ends.
    virtual Result<std::size_t> read(std::uint64_t offset, std::span<std::byte> out) = 0;

    // Reads `out` whole, or fails with EPROTO naming `what` that runs past the end.
    Result<void> read_exactly(std::uint64_t offset, std::span<std::byte> out, const char* what) {
        const auto count = read(offset, out);
        if (!count) return tl::unexpected(count.error());
        if (*count < out.size()) return malformed(std::string(what) + " runs past the end");
        return {};
    }
};

class BufferSource final : public Source {
public:
    explicit BufferSource(std::span<const std::byte> bytes) : bytes_(bytes) {}
    Result<std::size_t> read(std::uint64_t offset, std::span<std::byte> out) override {
        if (offset >= bytes_.size()) return 0;
        const std::size_t count = std::min<std::uint64_t>(out.size(), bytes_.size() - offset);
        std::memcpy(out.data(), bytes_.data() + offset, count);
        return count;
    }

private:
    std::span<const std::byte> bytes_;
};

// pread() in a loop: a sysfs binary file returns at most a page per call and may report a size
// of 0, so only a read returning 0 says where it ends.
class FileSource final : public Source {
public:
    FileSource(int fd, const std::string& path) : fd_(fd), path_(path) {}
    Result<std::size_t> read(std::uint64_t offset, std::span<std::byte> out) override {
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t count = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
            if (count < 0 && errno == EINTR) continue;
            if (count < 0) return fail_errno(errno, "cannot read " + path_);
            if (count == 0) break;
            done += static_cast<std::size_t>(count);
        }
        return done;
    }

private:
    int fd_;
    const std::string& path_;
};

struct Section {
    std::uint64_t begin = 0;  // in the source
    std::uint64_t length = 0;
};

struct Sections {
    Section types;
    Section strings;
};

// A section [hdr_len + off, + len): inside the source (its last byte can be read), and inside
// the 64 MiB that bound the work.
Result<Section> section(Source& source, std::uint32_t hdr_len, std::uint32_t off, std::uint32_t len, const char* what) {
    const Section result{std::uint64_t{hdr_len} + off, len};
    if (len > 0) {
        std::byte last{};
        if (auto read = source.read_exactly(result.begin + len - 1, {&last, 1}, what); !read) {
            return tl::unexpected(read.error());
        }
    }
    if (result.begin + len > kMaxBtfSize) return fail_errno(EFBIG, std::string(what) + " ends past 64 MiB");
    return result;
}

// The checks of the kernel's btf_parse_hdr() that this scanner relies on.
Result<Sections> parse_header(Source& source) {
    btf_header header{};
    auto read = source.read_exactly(0, {reinterpret_cast<std::byte*>(&header), sizeof(header)}, "the header");
    if (!read) return tl::unexpected(read.error());
    if (header.magic != BTF_MAGIC) return malformed("bad magic (not BTF, or not this machine's byte order)");
    if (header.version != BTF_VERSION) return malformed("version " + std::to_string(header.version));
    if (header.hdr_len < sizeof(btf_header)) return malformed("header length " + std::to_string(header.hdr_len));
    if (header.hdr_len > kMaxBtfSize) return fail_errno(EFBIG, "the header ends past 64 MiB");
    // A longer header is a newer format: its fields might change how the sections read, so they
    // must be zero, as the kernel requires.
    std::array<std::byte, 256> extra{};
    for (std::uint64_t offset = sizeof(header); offset < header.hdr_len; offset += extra.size()) {
        const auto part = std::span(extra).first(std::min<std::size_t>(extra.size(), header.hdr_len - offset));
        if (read = source.read_exactly(offset, part, "the header"); !read) return tl::unexpected(read.error());
        if (std::any_of(part.begin(), part.end(), [](std::byte b) { return b != std::byte{0}; })) {
            return malformed("unknown header fields are set");
        }
    }
    const auto types = section(source, header.hdr_len, header.type_off, header.type_len, "the type section");
    if (!types) return tl::unexpected(types.error());
    const auto strings = section(source, header.hdr_len, header.str_off, header.str_len, "the string section");
    if (!strings) return tl::unexpected(strings.error());
    return Sections{*types, *strings};
}

// Where in the string section `name` starts with a NUL right after it: the name_off values a
// type called `name` can have (usually one: pahole stores each string once, but nothing says
// it must, and a name_off may point into the middle of a longer string). Also the kernel's
// btf_parse_str_sec() check that the section ends in NUL, so that every name ends inside it.
Result<std::vector<std::uint32_t>> name_offsets(Source& source, Section strings, std::string_view name) {
    if (strings.length == 0) return malformed("the string section is empty");
    const std::string needle = std::string(name) + '\0';
    std::vector<std::uint32_t> offsets;
    // buffer: the last needle.size() - 1 bytes of the previous window (a name that the window's
    // edge cuts), then the new ones. `held` bytes in all, the first at section offset `start`.
    std::array<std::byte, kWindow> buffer{};
    std::size_t held = 0;
    std::uint64_t start = 0;
    for (std::uint64_t done = 0; done < strings.length;) {
        const std::size_t count = std::min<std::uint64_t>(kWindow - held, strings.length - done);
        const auto fresh = std::span(buffer).subspan(held, count);
        if (auto read = source.read_exactly(strings.begin + done, fresh, "the string section"); !read) {
            return tl::unexpected(read.error());
        }
        held += count;
        done += count;
        const std::byte* const end = buffer.data() + held;
        for (const std::byte* at = buffer.data();
             (at = static_cast<const std::byte*>(
                  ::memmem(at, static_cast<std::size_t>(end - at), needle.data(), needle.size()))) != nullptr;
             ++at) {
            offsets.push_back(static_cast<std::uint32_t>(start + static_cast<std::uint64_t>(at - buffer.data())));
        }
        if (done == strings.length && fresh.back() != std::byte{0}) {
            return malformed("the string section does not end in NUL");
        }
        // Too short to hold a whole needle: no match found above is found again.
        const std::size_t kept = std::min(needle.size() - 1, held);
        std::memmove(buffer.data(), end - kept, kept);
        start += held - kept;
        held = kept;
    }
    return offsets;
}

// The type section front to back through one window: take() a record's fixed part, skip() its
// kind-specific data.
class TypeReader {
public:
    TypeReader(Source& source, Section types) : source_(source), types_(types) {}

    bool at_end() const { return position() == types_.length; }

    // The next sizeof(T) bytes as a T.
    template <class T>
    Result<T> take() {
        if (filled_ - used_ < sizeof(T)) {
            if (auto filled = refill(sizeof(T)); !filled) return tl::unexpected(filled.error());
        }
        T value;
        std::memcpy(&value, buffer_.data() + used_, sizeof(T));
        used_ += sizeof(T);
        return value;
    }

    Result<void> skip(std::uint64_t count) {
        if (types_.length - position() < count) return malformed("a type runs past the type section");
        if (count <= filled_ - used_) {
            used_ += count;
        } else {
            window_start_ = position() + count;
            used_ = filled_ = 0;
        }
        return {};
    }

private:
    std::uint64_t position() const { return window_start_ + used_; }

    // Moves the unread bytes to the front and reads after them, for at least `count` bytes.
    Result<void> refill(std::size_t count) {
        if (types_.length - position() < count) return malformed("a type runs past the type section");
        std::memmove(buffer_.data(), buffer_.data() + used_, filled_ - used_);
        window_start_ += used_;
        filled_ -= used_;
        used_ = 0;
        const std::size_t wanted = std::min<std::uint64_t>(kWindow - filled_, types_.length - window_start_ - filled_);
        const auto more = std::span(buffer_).subspan(filled_, wanted);
        auto read = source_.read_exactly(types_.begin + window_start_ + filled_, more, "the type section");
        if (!read) return tl::unexpected(read.error());
        filled_ += wanted;
        return {};
    }

    Source& source_;
    Section types_;
    std::uint64_t window_start_ = 0;  // the section offset of buffer_[0]
    std::size_t used_ = 0;            // bytes of buffer_ already taken
    std::size_t filled_ = 0;          // bytes of buffer_ read
    std::array<std::byte, kWindow> buffer_{};
};

// How many bytes follow a `struct btf_type` of this kind (include/uapi/linux/btf.h); no value for
// a kind this scanner does not know, whose length it cannot tell.
std::optional<std::size_t> extra_size(std::uint32_t kind, std::uint32_t vlen) {
    switch (kind) {
        case BTF_KIND_INT: return sizeof(std::uint32_t);
        case BTF_KIND_ARRAY: return sizeof(btf_array);
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION: return vlen * sizeof(btf_member);
        case BTF_KIND_ENUM: return vlen * sizeof(btf_enum);
        case BTF_KIND_FUNC_PROTO: return vlen * sizeof(btf_param);
        case BTF_KIND_VAR: return sizeof(btf_var);
        case BTF_KIND_DATASEC: return vlen * sizeof(btf_var_secinfo);
        case BTF_KIND_DECL_TAG: return sizeof(btf_decl_tag);     // Linux 5.16
        case BTF_KIND_ENUM64: return vlen * sizeof(btf_enum64);  // Linux 6.0
        case BTF_KIND_PTR:
        case BTF_KIND_FWD:
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_FUNC:                // its vlen is the linkage, not a count
        case BTF_KIND_FLOAT:               // Linux 5.13
        case BTF_KIND_TYPE_TAG: return 0;  // Linux 5.17
        default: return std::nullopt;      // BTF_KIND_UNKN (0) is no type either
    }
}

// Strings first (where can the name be?), then the types up to the first FUNC with one of those
// name offsets: the type walk needs no string, so no part of the BTF is held beyond one window.
Result<std::uint32_t> find_func_id(Source& source, std::string_view name) {
    if (name.find('\0') != std::string_view::npos || name.size() > kMaxName) {
        return fail_errno(EINVAL, "not a BTF name: " + std::string(name.substr(0, 64)));
    }
    const auto sections = parse_header(source);
    if (!sections) return tl::unexpected(sections.error());
    const auto offsets = name_offsets(source, sections->strings, name);
    if (!offsets) return tl::unexpected(offsets.error());
    const auto not_found = fail_errno(ENOENT, "no function " + std::string(name) + " in the BTF");
    if (offsets->empty()) return not_found;  // no type has that name, whatever the types are

    TypeReader types(source, sections->types);
    // Type ids are the records' positions in the type section, from 1 (0 is void).
    for (std::uint32_t id = 1; !types.at_end(); ++id) {
        const auto type = types.take<btf_type>();
        if (!type) return tl::unexpected(type.error());
        const std::uint32_t kind = BTF_INFO_KIND(type->info);
        const auto extra = extra_size(kind, BTF_INFO_VLEN(type->info));
        if (!extra) return malformed("type " + std::to_string(id) + " has unknown kind " + std::to_string(kind));
        if (type->name_off >= sections->strings.length) {
            return malformed("type " + std::to_string(id) + "'s name is past the string section");
        }
        if (auto skipped = types.skip(*extra); !skipped) return tl::unexpected(skipped.error());
        if (kind == BTF_KIND_FUNC && std::binary_search(offsets->begin(), offsets->end(), type->name_off)) return id;
    }
    return not_found;
}

}  // namespace

Result<std::uint32_t> find_btf_func_id(std::span<const std::byte> btf, std::string_view name) {
    BufferSource source(btf);
    return find_func_id(source, name);
}

Result<std::uint32_t> find_vmlinux_func_id(std::string_view name, const std::string& path) {
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return fail_errno(errno, "cannot open " + path);
    FileSource source(fd.get(), path);
    auto id = find_func_id(source, name);
    if (!id) return tl::unexpected(std::move(id.error()).with_context(path));
    return id;
}

}  // namespace llh
