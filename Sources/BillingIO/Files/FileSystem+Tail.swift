#if canImport(Glibc)
    import Glibc
#endif

extension FileSystem {
    /// The last non-empty line of the file at `path` (without its line feed), or nil when it has
    /// none, read from the end 64 KiB at a time: the audit log gains a line per document and
    /// payment every month, and a run needs only its last line.
    static func lastLine(of path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw failure("cannot stat", path) }
        var tail: [UInt8] = []  // the bytes from `offset` to the end
        var offset = Int(st.st_size)
        while offset > 0 {
            let count = min(offset, 1 << 16)
            var chunk = [UInt8](repeating: 0, count: count)
            let filled = try chunk.withUnsafeMutableBytes { try readFully(fd, into: $0.baseAddress!, count: count, at: offset - count, path) }
            if filled < count { throw failure("file shrank while read", path) }
            offset -= count
            tail = chunk + tail
            // The line ends at the last byte that is not a line feed, and starts after the line
            // feed before it; found once that line feed is in what was read, or the file's start.
            guard let end = tail.lastIndex(where: { $0 != UInt8(ascii: "\n") }) else { continue }
            if let start = tail[..<end].lastIndex(of: UInt8(ascii: "\n")) { return Array(tail[(start + 1)...end]) }
            if offset == 0 { return Array(tail[...end]) }
        }
        return nil
    }
}
