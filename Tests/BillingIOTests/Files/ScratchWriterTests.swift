import Testing
@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// Ingest's scratch files written through one buffer (`ScratchWriter`).
struct ScratchWriterTests {
    /// Given nothing, a writer leaves no file. Pieces under the flush size stay in the buffer (no
    /// file yet) until they reach it: 40 + 50 bytes with a flush size of 100 are not written, 20
    /// more (110) are, all of them; `finish` writes the last 7.
    @Test func buffersUntilTheFlushSizeAndCreatesTheFileWithItsFirstWrite() throws {
        let dir = tempFolder("billing-io-scratch")
        defer { try? FileSystem.removeTree(dir) }
        let none = ScratchWriter(path: dir + "/none", flushSize: 100)
        try none.finish()
        #expect(none.isEmpty && !FileSystem.exists(dir + "/none"))
        let w = ScratchWriter(path: dir + "/f", flushSize: 100)
        let pieces = [patternBytes(40, seed: 1), patternBytes(50, seed: 2), patternBytes(20, seed: 3), patternBytes(7, seed: 4)]
        try pieces[0].withUnsafeBytes { try w.append($0) }
        try pieces[1].withUnsafeBytes { try w.append($0) }
        #expect(!w.isEmpty && w.written == 0 && !FileSystem.exists(dir + "/f"))
        try pieces[2].withUnsafeBytes { try w.append($0) }
        #expect(try w.written == 110 && (FileSystem.read(dir + "/f")) == Array(pieces[0...2].joined()))
        try w.append { $0 += pieces[3] }
        try w.finish()
        #expect(try w.written == 117 && (FileSystem.read(dir + "/f")) == Array(pieces.joined()))
    }

    /// A piece of the flush size or more goes to the file as it is, after what the buffer holds:
    /// 30 bytes, then 250 (flush size 100), then 5 come back in that order.
    @Test func aLargePieceFollowsWhatIsBuffered() throws {
        let dir = tempFolder("billing-io-scratch")
        defer { try? FileSystem.removeTree(dir) }
        let w = ScratchWriter(path: dir + "/f", flushSize: 100, mode: 0o644)
        let pieces = [patternBytes(30, seed: 5), patternBytes(250, seed: 6), patternBytes(5, seed: 7)]
        for p in pieces { try p.withUnsafeBytes { try w.append($0) } }
        #expect(w.written == 280)
        try w.finish(startingWriteback: true)
        #expect(try FileSystem.read(dir + "/f") == Array(pieces.joined()))
        var info = stat()
        #expect(stat(dir + "/f", &info) == 0 && info.st_mode & 0o777 == 0o644)
    }
}
