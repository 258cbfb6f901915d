#if canImport(Glibc)
    import Glibc
#endif

/// Memory mapped on its own, from a 2 MiB boundary, and advised to the kernel for 2 MiB pages
/// (decision 65): this machine gives 2 MiB pages only to memory advised for them, and memory read
/// or written at random over many 4 KiB pages misses the processor's address translation caches
/// at almost every access, and costs a fault per page when first written. Used for ingest's large
/// tables (`CacheLineTable`) and for pass 1's spill buffers (`UsageSpill`, decision 76).
enum HugePages {
    /// The size of a huge page.
    static var size: Int { 2 << 20 }

    /// Zeroed memory of at least `bytes` bytes: where `huge`, a mapping of its own (see `map`); else,
    /// or where the kernel refuses the mapping, `calloc`'s, from a 64-byte boundary on.
    struct Block {
        /// The allocation or mapping, its size when mapped (0: `calloc`'s), and where its memory
        /// starts (a 2 MiB boundary when mapped, a 64-byte one else).
        let raw: UnsafeMutableRawPointer
        let mapped: Int
        let start: UnsafeMutableRawPointer

        init(_ bytes: Int, huge: Bool) {
            if huge, let (raw, mapped, start) = HugePages.map(bytes) {
                (self.raw, self.mapped, self.start) = (raw, mapped, start)
                return
            }
            guard let raw = calloc(bytes + 63, 1) else { fatalError("out of memory") }
            (self.raw, mapped, start) = (raw, 0, raw + (64 - Int(bitPattern: raw) & 63) & 63)
        }

        /// Gives the memory back (once).
        func release() {
            if mapped > 0 { munmap(raw, mapped) } else { free(raw) }
        }
    }

    /// A mapping of at least `bytes` bytes, zero, whose `start` is on a 2 MiB boundary; `raw` and
    /// `mapped` are what `munmap` takes. Nil where the kernel refuses the mapping; where it
    /// refuses the advice, the memory has 4 KiB pages.
    static func map(_ bytes: Int) -> (raw: UnsafeMutableRawPointer, mapped: Int, start: UnsafeMutableRawPointer)? {
        // One huge page more than needed, so that the memory can start on one.
        let mapped = (bytes + size - 1) / size * size + size
        guard let raw = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), raw != UnsafeMutableRawPointer(bitPattern: -1)
        else { return nil }
        let start = raw + (size - Int(bitPattern: raw) % size) % size
        _ = madvise(start, mapped - size, MADV_HUGEPAGE)
        return (raw, mapped, start)
    }
}
