import BillingCore
import Testing
@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

struct LedgerTests {
    func folder() -> String {
        var template = Array("/tmp/billing-ledger-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    /// A commit interrupted after its redo record was written is completed by the next open, and
    /// applying it twice gives the same files (appends are cut back to their recorded size first).
    @Test func pendingCommitIsRedoneExactlyOnce() throws {
        let dir = folder()
        try FileSystem.append(dir + "/log.csv", Array("h\n1\n".utf8))
        var c = LedgerCommit()
        c.files.append(("invoices/A.json", Array("{}\n".utf8)))
        c.append("log.csv", "2\n")
        try FileSystem.createDirectory(dir + "/invoices")
        // Simulate a crash after the commit point and half of the work: the append happened, and
        // a torn extra line was left behind.
        let record = "{\"appends\":[{\"content\":\"2\\n\",\"offset\":4,\"path\":\"log.csv\"}],\"files\":[{\"content\":\"{}\\n\",\"path\":\"invoices/A.json\"}]}"
        try FileSystem.replace(dir + "/pending.json", Array(record.utf8))
        try FileSystem.append(dir + "/log.csv", Array("2\n2".utf8))
        _ = try Ledger(folder: dir, create: true)
        #expect(try FileSystem.readText(dir + "/log.csv") == "h\n1\n2\n")
        #expect(try FileSystem.readText(dir + "/invoices/A.json") == "{}\n")
        #expect(!FileSystem.exists(dir + "/pending.json"))
        _ = c
    }

    /// A commit's files are read-only; an identical file left by an interrupted run of the same
    /// commit is left alone (same inode), a torn one is rewritten.
    @Test func commitFilesAreReadOnlyAndRedoable() throws {
        let dir = folder()
        try FileSystem.writeInCommit(dir + "/x.json", Array("a".utf8))
        var first = stat()
        stat(dir + "/x.json", &first)
        #expect(first.st_mode & 0o777 == 0o444)  // read-only on disk
        try FileSystem.writeInCommit(dir + "/x.json", Array("a".utf8))
        var again = stat()
        stat(dir + "/x.json", &again)
        #expect(again.st_ino == first.st_ino)
        try FileSystem.writeInCommit(dir + "/x.json", Array("ab".utf8))  // a torn "a" of an unfinished commit
        #expect(try FileSystem.readText(dir + "/x.json") == "ab")
    }

    /// Each audit line holds the SHA-256 of the previous line.
    @Test func auditChainLinksLines() {
        var log = AuditLog(lastHash: AuditLog.genesis, nextSeq: 1)
        log.add("run", ["stage": .string("invoice")])
        log.add("run", ["stage": .string("pay")])
        let lines = log.text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "{\"kind\":\"run\",\"prev\":\"\(AuditLog.genesis)\",\"seq\":1,\"stage\":\"invoice\"}")
        #expect(lines[1].contains("\"prev\":\"\(SHA256.hex(Array(lines[0].utf8)))\""))
    }
}
