#if canImport(Glibc)
    import Glibc
#endif

/// A scratch file read a block at a time, or bytes in memory read as one block; what `take` and
/// `takeLine` return stays valid until the next call. Ingest reads its runs through it: the runs
/// of ids (`UsageIDRuns`) and of rejects (`UsageRejectRuns`), many open at once. A record or line
/// longer than a block makes the buffer grow to hold it (a rejected row's event id can be of any
/// length); a file that ends inside one is an error, never a shorter run.
final class BlockReader {
    let path: String
    private let fd: Int32
    private var capacity: Int
    private var buffer: UnsafeMutableRawPointer
    private var start = 0
    private var end = 0
    private var atEnd = false
    private var offset = 0

    /// Opens `path`, to be read `blockSize` bytes at a time.
    init(_ path: String, blockSize: Int = 1 << 16) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystem.failure("cannot open", path) }
        capacity = blockSize
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    /// Reads `bytes`, named `name` in errors.
    init(bytes: [UInt8], name: String = "(the last run)") {
        path = name
        fd = -1
        capacity = max(1, bytes.count)
        buffer = .allocate(byteCount: capacity, alignment: 16)
        if !bytes.isEmpty { bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        end = bytes.count
        atEnd = true
    }

    deinit {
        if fd >= 0 { close(fd) }
        buffer.deallocate()
    }

    /// The next `n` bytes, or nil at the end of the file; an error if the file ends within them.
    func take(_ n: Int) throws -> UnsafeRawBufferPointer? {
        while end - start < n {
            guard try fill() else {
                if start < end { throw StageFailure.io("\(path): cut short inside a record") }
                return nil
            }
        }
        defer { start += n }
        return UnsafeRawBufferPointer(start: buffer + start, count: n)
    }

    /// The next line, with its line feed; nil at the end of the file. A last line without one
    /// is an error: a run is written whole.
    func takeLine() throws -> UnsafeRawBufferPointer? {
        var searched = 0  // bytes after `start` known to hold no line feed
        while true {
            if let nl = memchr(buffer + start + searched, 0x0A, end - start - searched) {
                let next = UnsafeRawPointer(nl) - UnsafeRawPointer(buffer) + 1
                let line = UnsafeRawBufferPointer(start: buffer + start, count: next - start)
                start = next
                return line
            }
            searched = end - start
            guard try fill() else {
                if start < end { throw StageFailure.io("\(path): unreadable run row") }
                return nil
            }
        }
    }

    /// Moves what is left to the front and reads more; false if the file has no more.
    private func fill() throws -> Bool {
        if atEnd { return false }
        if start > 0 {
            buffer.copyMemory(from: buffer + start, byteCount: end - start)
            (start, end) = (0, end - start)
        }
        if end == capacity {
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
            bigger.copyMemory(from: buffer, byteCount: end)
            buffer.deallocate()
            (buffer, capacity) = (bigger, capacity * 2)
        }
        let n = try FileSystem.readFully(fd, into: buffer + end, count: capacity - end, at: offset, path)
        if n == 0 { atEnd = true }
        offset += n
        end += n
        return n > 0
    }
}
