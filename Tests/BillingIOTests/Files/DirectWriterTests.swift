import Testing
@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// Pass 2's ids files written past the page cache (`DirectWriter`, decision 73).
struct DirectWriterTests {
    /// Whether the folder's file system takes `O_DIRECT` (this machine's ext4 does; tmpfs did not
    /// before Linux 6.6).
    func takesDirect(_ dir: String) -> Bool {
        let fd = open(dir + "/probe", O_WRONLY | O_CREAT | O_CLOEXEC | DirectWriter.flag, 0o644)
        guard fd >= 0 else { return false }
        close(fd)
        unlink(dir + "/probe")
        return DirectWriter.flag != 0
    }

    /// Sizes around the 4 KiB block and the 1 MiB buffer: empty, under a block, a block exactly,
    /// a block and one byte, a buffer exactly, more than a buffer with a tail, three buffers and a
    /// tail. Each file comes back byte for byte, direct or not; a file already there is replaced
    /// (its longer old contents truncated).
    static let sizes = [0, 1, 511, 4095, 4096, 4097, 1 << 20, (1 << 20) + 4096 + 3, 3 << 20 | 5]

    @Test(arguments: [true, false])
    func writesEveryByteOfEverySize(direct: Bool) throws {
        let dir = tempFolder("billing-io-direct")
        defer { try? FileSystem.removeTree(dir) }
        try FileSystem.writeScratch(dir + "/f2", patternBytes(5 << 20, seed: 99))
        let writer = DirectWriter(lanes: 2, limit: 1 << 20, direct: direct)
        let files = DirectWriterTests.sizes.enumerated().map { (i, n) in (dir + "/f\(i)", patternBytes(n, seed: UInt64(i))) }
        for (path, content) in files { writer.write(path, PageAlignedBytes(copying: content)) }
        try writer.finish()
        for (path, content) in files { #expect(try FileSystem.read(path) == content, "\(path)") }
        // Files of a whole block or more went past the page cache where the file system allows
        // it: 4096, 4097, 1 MiB, 1 MiB + 4099 and 3 MiB + 5 bytes (five files); none when told not to.
        #expect(writer.directFiles == (direct && takesDirect(dir) ? 5 : 0))
    }

    /// A queue of 64 KiB takes files of 40 KiB one at a time and a file of 200 KiB when nothing
    /// else is queued: fifty files through one lane, none lost, in a queue far smaller than they are.
    @Test func aFullQueueWaitsAndALargeFileStillGoes() throws {
        let dir = tempFolder("billing-io-direct")
        defer { try? FileSystem.removeTree(dir) }
        let writer = DirectWriter(lanes: 1, limit: 64 << 10)
        let files = (0..<50).map { i in (dir + "/f\(i)", patternBytes(i == 25 ? 200 << 10 : 40 << 10, seed: UInt64(i))) }
        for (path, content) in files { writer.write(path, PageAlignedBytes(copying: content)) }
        try writer.finish()
        for (path, content) in files { #expect(try FileSystem.read(path) == content) }
    }

    /// A file that cannot be created (its folder is missing) fails `finish`, naming it; the files
    /// queued before it are written.
    @Test func aFailureComesOutOfFinish() throws {
        let dir = tempFolder("billing-io-direct")
        defer { try? FileSystem.removeTree(dir) }
        let writer = DirectWriter(lanes: 1)
        writer.write(dir + "/a", PageAlignedBytes(copying: patternBytes(10, seed: 1)))
        writer.write(dir + "/missing/b", PageAlignedBytes(copying: patternBytes(10, seed: 2)))
        #expect {
            try writer.finish()
        } throws: { error in
            "\(error)".contains("missing/b") && "\(error)".contains("cannot create")
        }
        #expect(try FileSystem.read(dir + "/a") == patternBytes(10, seed: 1))
    }
}
