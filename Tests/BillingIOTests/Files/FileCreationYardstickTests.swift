import Testing
@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// The benchmark's file-creation yardstick makes the same files as the folder it copies: same
/// names, same sizes, read-only, and it refuses a folder that exists.
struct FileCreationYardstickTests {
    @Test func makesTheSameNamesAndSizes() throws {
        let source = FileSystem.parent(try tempFile("x"))
        try FileSystem.remove(FileSystem.join(source, "f.csv"))
        try FileSystem.replace(FileSystem.join(source, "A-1.json"), Array("abc".utf8))
        try FileSystem.replace(FileSystem.join(source, "A-1.txt"), [])
        try FileSystem.replace(FileSystem.join(source, "A-1.html"), [UInt8](repeating: 0x41, count: 5000))
        let target = source + "-bare"
        let result = try FileCreationYardstick.run(like: source, into: target)
        // 3 + 0 + 5000 bytes in three files.
        #expect(result.files == 3)
        #expect(result.bytes == 5003)
        #expect(try FileSystem.list(target) == ["A-1.html", "A-1.json", "A-1.txt"])
        #expect(try ["A-1.html", "A-1.json", "A-1.txt"].map { try FileSystem.size(FileSystem.join(target, $0)) } == [5000, 3, 0])
        var st = stat()
        #expect(stat(FileSystem.join(target, "A-1.json"), &st) == 0 && st.st_mode & 0o777 == 0o444)
        #expect(throws: StageFailure.self) { try FileCreationYardstick.run(like: source, into: target) }
        try FileSystem.removeTree(target)
        try FileSystem.removeTree(source)
    }
}
