#if canImport(Glibc)
    import Glibc
#endif

extension FileSystem {
    /// Whether the files at `a` and `b` hold the same bytes. One file under two names (a hard
    /// link, as the ledger's usage contribution is to ingest's output) is known equal without
    /// reading it; otherwise the sizes are compared, then the bytes, 1 MiB of each at a time (a
    /// contribution's values file can hold hundreds of MB: neither file is held whole).
    public static func sameContents(_ a: String, _ b: String) throws -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0 else { throw failure("cannot stat", a) }
        guard stat(b, &sb) == 0 else { throw failure("cannot stat", b) }
        if sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino { return true }
        if sa.st_size != sb.st_size { return false }
        let fd = open(b, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", b) }
        defer { close(fd) }
        var other = [UInt8](repeating: 0, count: 1 << 20)
        var same = true
        try forEachChunk(of: a) { chunk in
            guard same else { return }
            var filled = 0
            while filled < chunk.count {
                let n = other.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, chunk.count - filled) }
                if n < 0 { if errno == EINTR { continue }; throw failure("cannot read", b) }
                if n == 0 { break }
                filled += n
            }
            same = filled == chunk.count && other[0..<filled].elementsEqual(chunk)
        }
        return same
    }
}
