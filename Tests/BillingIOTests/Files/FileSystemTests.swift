import Testing
@testable import BillingIO

struct FileSystemTests {
    /// A path's folder is what comes before its last `/` byte, as the kernel reads paths: a `/`
    /// followed by a combining mark is still a separator (as one `Character` it would not be).
    @Test(arguments: [
        ("ledger/invoices/INV-1.json", "ledger/invoices"),
        ("/tmp/ledger/staging/intent", "/tmp/ledger/staging"),
        ("/top", "/"),
        ("/", "/"),
        ("name", "."),
        ("folder/", "folder"),
        ("caf\u{E9}/d\u{E9}j\u{E0}.txt", "caf\u{E9}"),
        ("a/\u{301}b", "a"),
    ])
    func parentIsBeforeTheLastSeparator(path: String, parent: String) {
        #expect(FileSystem.parent(path) == parent)
    }

    /// `writeAll` hands the kernel `writeChunk` bytes at a time: a file of none, one byte, exactly
    /// one chunk, and ten chunks and three bytes (the last write partial) reads back byte for byte.
    @Test(arguments: [0, 1, FileSystem.writeChunk, 10 * FileSystem.writeChunk + 3])
    func writesEveryChunk(size: Int) throws {
        let dir = tempFolder("billing-io-chunks")
        defer { try? FileSystem.removeTree(dir) }
        // Bytes that never repeat with a period of a chunk (a hash of their offset).
        let bytes = (0..<size).map { i in UInt8(truncatingIfNeeded: (UInt64(i) &* 0x9E37_79B9_7F4A_7C15) >> 37) }
        try FileSystem.writeScratch(dir + "/scratch", bytes)
        try FileSystem.replace(dir + "/replaced", bytes)
        #expect(try FileSystem.read(dir + "/scratch") == bytes)
        #expect(try FileSystem.read(dir + "/replaced") == bytes)
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// `sameContents`: one file under two names is equal unread; copies are compared by size, then
/// byte by byte across the 1 MiB chunks it reads.
struct SameContentsTests {
    enum Other: String, CaseIterable, Sendable {
        case link, copy, lastByteDiffers, firstByteDiffers, middleByteDiffers, longer, shorter
    }

    @Test(arguments: Other.allCases)
    func sameContentsComparesEveryByte(_ other: Other) throws {
        let dir = tempFolder("billing-io-same")
        defer { try? FileSystem.removeTree(dir) }
        // 2.5 MiB: three chunks, the last one partial; bytes that never repeat with a period of a
        // chunk (a hash of their offset), so that comparing the wrong chunks cannot pass.
        let bytes = (0..<(5 << 19)).map { i in UInt8(truncatingIfNeeded: (UInt64(i) &* 0x9E37_79B9_7F4A_7C15) >> 37) }
        try FileSystem.replace(dir + "/a", bytes)
        var b = bytes
        switch other {
        case .link: link(dir + "/a", dir + "/b")
        case .copy: break
        case .lastByteDiffers: b[b.count - 1] &+= 1
        case .firstByteDiffers: b[0] &+= 1
        case .middleByteDiffers: b[3 << 19] &+= 1  // in the second chunk
        case .longer: b.append(0)
        case .shorter: b.removeLast()
        }
        if other != .link { try FileSystem.replace(dir + "/b", b) }
        #expect(try FileSystem.sameContents(dir + "/a", dir + "/b") == (other == .link || other == .copy))
        #expect(try FileSystem.sameContents(dir + "/b", dir + "/a") == (other == .link || other == .copy))
    }

    @Test func missingFileIsAnError() {
        #expect(throws: StageFailure.self) { try FileSystem.sameContents("/nonexistent/a", "/nonexistent/b") }
    }
}
