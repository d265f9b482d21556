// Hand-made x86-64 ELF files, so that exec rows need nothing from the system: a static program
// (no interpreter) and a "dynamic" one whose PT_INTERP names a fixture file. Both are ET_DYN with
// position-independent code (mov edi, 0; mov eax, 231; syscall): the kernel picks the load address.
#include <elf.h>

#include <cstring>

#include "tests/conformance/actions.hpp"

namespace llh::conformance {

std::string tiny_elf(const std::string& interpreter) {
    static constexpr unsigned char kCode[] = {0x31, 0xff, 0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f, 0x05};
    const bool dynamic = !interpreter.empty();
    const std::size_t phnum = dynamic ? 2 : 1;
    const std::size_t interp_offset = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
    const std::size_t interp_size = dynamic ? interpreter.size() + 1 : 0;
    const std::size_t code_offset = (interp_offset + interp_size + 15) & ~std::size_t{15};
    const std::size_t total = code_offset + sizeof kCode;

    std::string image(total, '\0');
    Elf64_Ehdr header{};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_ident[EI_OSABI] = ELFOSABI_SYSV;
    header.e_type = ET_DYN;
    header.e_machine = EM_X86_64;
    header.e_version = EV_CURRENT;
    header.e_entry = code_offset;
    header.e_phoff = sizeof(Elf64_Ehdr);
    header.e_ehsize = sizeof(Elf64_Ehdr);
    header.e_phentsize = sizeof(Elf64_Phdr);
    header.e_phnum = static_cast<Elf64_Half>(phnum);
    std::memcpy(image.data(), &header, sizeof header);

    std::size_t at = sizeof(Elf64_Ehdr);
    if (dynamic) {
        Elf64_Phdr interp{};
        interp.p_type = PT_INTERP;
        interp.p_flags = PF_R;
        interp.p_offset = interp_offset;
        interp.p_vaddr = interp.p_paddr = interp_offset;
        interp.p_filesz = interp.p_memsz = interp_size;
        interp.p_align = 1;
        std::memcpy(image.data() + at, &interp, sizeof interp);
        at += sizeof interp;
        std::memcpy(image.data() + interp_offset, interpreter.c_str(), interp_size);
    }
    Elf64_Phdr load{};
    load.p_type = PT_LOAD;
    load.p_flags = PF_R | PF_X;
    load.p_offset = 0;
    load.p_vaddr = load.p_paddr = 0;
    load.p_filesz = load.p_memsz = total;
    load.p_align = 0x1000;
    std::memcpy(image.data() + at, &load, sizeof load);
    std::memcpy(image.data() + code_offset, kCode, sizeof kCode);
    return image;
}

}  // namespace llh::conformance
