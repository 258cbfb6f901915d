import BillingCore
import Testing
@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

struct LedgerTests {
    func folder() -> String {
        return tempFolder("billing-ledger")
    }

    /// The ledger in `dir`, opened, after one finished commit of the file `path` holding `text`.
    func committedLedger(_ dir: String, path: String, _ text: String) throws -> Ledger {
        let ledger = try Ledger(folder: dir, create: true)
        let first = ledger.newCommit()
        try first.add(path, Array(text.utf8))
        try ledger.commit(first)
        return ledger
    }

    /// A commit interrupted after its redo record was written is completed by the next open, and
    /// applying it twice gives the same files (appends are cut back to their recorded size first).
    @Test func pendingCommitIsRedoneExactlyOnce() throws {
        let dir = folder()
        try FileSystem.append(dir + "/log.csv", Array("h\n1\n".utf8))
        // Simulate a crash after the commit point and half of the work: the staged file is in
        // place, the append happened, and a torn extra line was left behind.
        try FileSystem.createDirectory(dir + "/staging/appends")
        try FileSystem.createDirectory(dir + "/invoices")
        try FileSystem.writeInCommit(dir + "/staging/appends/1", Array("2\n".utf8))
        try FileSystem.writeInCommit(dir + "/invoices/A.json", Array("{}\n".utf8))
        let record = "{\"appends\":[{\"offset\":4,\"path\":\"log.csv\",\"staged\":\"appends/1\"}],\"files\":[\"invoices/A.json\"],\"format\":2}"
        try FileSystem.replace(dir + "/pending.json", Array(record.utf8))
        try FileSystem.append(dir + "/log.csv", Array("2\n2".utf8))
        _ = try Ledger(folder: dir, create: true)
        #expect(try FileSystem.readText(dir + "/log.csv") == "h\n1\n2\n")
        #expect(try FileSystem.readText(dir + "/invoices/A.json") == "{}\n")
        #expect(!FileSystem.exists(dir + "/pending.json"))
        #expect(!FileSystem.exists(dir + "/staging"))
    }

    /// A commit killed before its commit point leaves its new files, declared in its intent list,
    /// and its staging; the next open removes exactly those files, and the staging.
    @Test func commitWithoutRedoRecordIsUndone() throws {
        let dir = folder()
        do {
            let ledger = try committedLedger(dir, path: "invoices/A.json", "{}\n")
            let c = ledger.newCommit()
            try c.add([("invoices/B.json", Array("{}\n".utf8)), ("invoices/B.txt", Array("b\n".utf8))])
            try c.append("log.csv", Array("x\n".utf8))
            #expect(FileSystem.exists(dir + "/invoices/B.json") && FileSystem.exists(dir + "/invoices/B.txt"))
            #expect(try FileSystem.readText(dir + "/staging/intent") == "invoices/B.json\ninvoices/B.txt\n")
        }  // the run dies here: its lock goes, its commit never applied
        _ = try Ledger(folder: dir, create: true)
        #expect(!FileSystem.exists(dir + "/staging"))
        #expect(!FileSystem.exists(dir + "/invoices/B.json") && !FileSystem.exists(dir + "/invoices/B.txt") && !FileSystem.exists(dir + "/log.csv"))
        #expect(try FileSystem.readText(dir + "/invoices/A.json") == "{}\n")  // the finished commit's file stays
    }

    /// A redo record of format 3 (files written in place) is completed by the next open: the files
    /// are checked, the appends redone, and the intent list goes with the record.
    @Test func pendingCommitWithFilesInPlaceIsRedone() throws {
        let dir = folder()
        try FileSystem.createDirectory(dir + "/staging/appends")
        try FileSystem.createDirectory(dir + "/invoices")
        try FileSystem.writeInCommit(dir + "/staging/appends/1", Array("1\n".utf8))
        try FileSystem.writeInCommit(dir + "/staging/intent", Array("invoices/A.json\n".utf8))
        try FileSystem.writeInCommit(dir + "/invoices/A.json", Array("{}\n".utf8))
        let record = "{\"appends\":[{\"offset\":0,\"path\":\"log.csv\",\"staged\":\"appends/1\"}],\"files\":[\"invoices/A.json\"],\"format\":3}"
        try FileSystem.replace(dir + "/pending.json", Array(record.utf8))
        _ = try Ledger(folder: dir, create: true)
        #expect(try FileSystem.readText(dir + "/log.csv") == "1\n")
        #expect(try FileSystem.readText(dir + "/invoices/A.json") == "{}\n")
        #expect(!FileSystem.exists(dir + "/pending.json") && !FileSystem.exists(dir + "/staging"))
    }

    /// A commit's files are read-only, appends keep their order, and a file of a finished commit
    /// is never replaced: a second commit naming it fails, before declaring it, and leaves it as it was.
    @Test func commitFilesAreReadOnlyAndNeverReplaced() throws {
        let dir = folder()
        let ledger = try Ledger(folder: dir, create: true)
        let c = ledger.newCommit()
        try c.add("invoices/A.json", Array("a".utf8))
        try c.append("log.csv", Array("1\n".utf8))
        try c.append("log.csv", Array("2\n".utf8))
        try ledger.commit(c)
        var st = stat()
        stat(dir + "/invoices/A.json", &st)
        #expect(st.st_mode & 0o777 == 0o444)  // read-only on disk
        #expect(try FileSystem.readText(dir + "/log.csv") == "1\n2\n")
        #expect(!FileSystem.exists(dir + "/staging") && !FileSystem.exists(dir + "/pending.json"))
        let again = ledger.newCommit()
        #expect(throws: StageFailure.self) { try again.add("invoices/A.json", Array("b".utf8)) }
        #expect(try FileSystem.readText(dir + "/invoices/A.json") == "a")
        #expect(!FileSystem.exists(dir + "/staging/intent"))  // refused before it was declared
    }

    /// A run output given to a commit (the month's usage contribution) is linked, not copied: one
    /// read-only file under two names. A commit undone removes the ledger's name only, and a path
    /// of a finished commit is refused as for any other file.
    @Test func runOutputIsLinkedIntoTheLedger() throws {
        let dir = folder(), outside = folder()
        try FileSystem.writeScratch(outside + "/00.csv", Array("event_id,fingerprint\ne1,a\n".utf8))
        do {
            let ledger = try Ledger(folder: dir, create: true)
            let c = ledger.newCommit()
            try c.add("usage/000001.ids/00.csv", sameFileAs: outside + "/00.csv")
            #expect(FileSystem.exists(dir + "/usage/000001.ids/00.csv"))
        }  // the run dies before its commit point
        let ledger = try Ledger(folder: dir, create: true)
        #expect(!FileSystem.exists(dir + "/usage/000001.ids/00.csv"))
        #expect(try FileSystem.readText(outside + "/00.csv") == "event_id,fingerprint\ne1,a\n")
        let c = ledger.newCommit()
        try c.add("usage/000001.ids/00.csv", sameFileAs: outside + "/00.csv")
        try ledger.commit(c)
        var source = stat(), linked = stat()
        stat(outside + "/00.csv", &source)
        stat(dir + "/usage/000001.ids/00.csv", &linked)
        #expect(source.st_dev == linked.st_dev && source.st_ino == linked.st_ino && linked.st_nlink == 2)
        #expect(linked.st_mode & 0o777 == 0o444)
        #expect(try FileSystem.readText(dir + "/usage/000001.ids/00.csv") == "event_id,fingerprint\ne1,a\n")
        let again = ledger.newCommit()
        #expect(throws: StageFailure.self) { try again.add("usage/000001.ids/00.csv", sameFileAs: outside + "/00.csv") }
    }

    /// Whether /dev/shm is a file system other than the one of /tmp, where the tests' ledgers are.
    static let sharedMemoryIsAnotherFileSystem: Bool = {
        var shm = stat(), tmp = stat()
        return stat("/dev/shm", &shm) == 0 && stat("/tmp", &tmp) == 0 && shm.st_dev != tmp.st_dev
    }()

    /// A run output on another file system than the ledger's cannot be linked: it is copied, the
    /// same bytes in a read-only file of the ledger's own.
    @Test(.enabled(if: sharedMemoryIsAnotherFileSystem)) func runOutputOnAnotherFileSystemIsCopied() throws {
        let dir = folder()
        let outside = tempFolder("billing-output", in: "/dev/shm")
        defer { try? FileSystem.removeTree(outside) }
        try FileSystem.writeScratch(outside + "/00.csv", Array("event_id,fingerprint\ne1,a\n".utf8))
        let ledger = try Ledger(folder: dir, create: true)
        let c = ledger.newCommit()
        try c.add("usage/000001.ids/00.csv", sameFileAs: outside + "/00.csv")
        try ledger.commit(c)
        var copied = stat()
        stat(dir + "/usage/000001.ids/00.csv", &copied)
        #expect(copied.st_nlink == 1 && copied.st_mode & 0o777 == 0o444)
        #expect(try FileSystem.readText(dir + "/usage/000001.ids/00.csv") == "event_id,fingerprint\ne1,a\n")
    }

    /// In a folder the commit creates, paths are not looked up one by one: a path declared twice
    /// (in one batch, or again in a later one) fails when it is created, and the next open removes
    /// exactly the commit's files, never one that was there before.
    @Test(arguments: [false, true])
    func pathDeclaredTwiceInANewFolderFails(sameBatch: Bool) throws {
        let dir = folder()
        do {
            let ledger = try committedLedger(dir, path: "kept/K.json", "k")
            let c = ledger.newCommit()
            if sameBatch {
                let twice: [(path: String, bytes: [UInt8])] = [("invoices/A.json", Array("a".utf8)), ("invoices/A.json", Array("b".utf8))]
                #expect(throws: StageFailure.self) { try c.add(twice) }
            } else {
                try c.add("invoices/A.json", Array("a".utf8))
                try c.add("kept/L.json", Array("l".utf8))
                #expect(throws: StageFailure.self) { try c.add("invoices/A.json", Array("b".utf8)) }
                #expect(throws: StageFailure.self) { try c.add("kept/K.json", Array("x".utf8)) }  // an old folder is still checked
            }
            #expect(try FileSystem.readText(dir + "/invoices/A.json") == "a")
        }  // the run dies here
        _ = try Ledger(folder: dir, create: true)
        #expect(!FileSystem.exists(dir + "/invoices/A.json") && !FileSystem.exists(dir + "/kept/L.json"))
        #expect(try FileSystem.readText(dir + "/kept/K.json") == "k")
    }

    /// Paths declared ahead are in the synced intent list before any of their files exists; a run
    /// killed after writing some of them is undone like any other (a declared path never written
    /// is nothing to remove); one that finishes applies them like `add`.
    @Test func pathsDeclaredAheadAreUndoneOrApplied() throws {
        let dir = folder()
        let paths = ["invoices/B.json", "invoices/B.txt", "invoices/C.json"]
        do {
            let ledger = try committedLedger(dir, path: "invoices/A.json", "a")
            let c = ledger.newCommit()
            try c.declareAhead(paths)
            #expect(try FileSystem.readText(dir + "/staging/intent") == "invoices/B.json\ninvoices/B.txt\ninvoices/C.json\n")
            #expect(!FileSystem.exists(dir + "/invoices/B.json"))
            try c.add([("invoices/B.json", Array("b".utf8))])
        }  // the run dies here, B.txt and C.json never written
        let ledger = try Ledger(folder: dir, create: true)
        #expect(!FileSystem.exists(dir + "/invoices/B.json") && !FileSystem.exists(dir + "/staging"))
        #expect(try FileSystem.readText(dir + "/invoices/A.json") == "a")
        let c = ledger.newCommit()
        try c.declareAhead(paths)
        try c.add([("invoices/B.json", Array("b".utf8)), ("invoices/B.txt", Array("t".utf8))])
        try c.add([("invoices/C.json", Array("c".utf8))])
        try ledger.commit(c)
        #expect(try paths.map { try FileSystem.readText(dir + "/" + $0) } == ["b", "t", "c"])
        #expect(!FileSystem.exists(dir + "/staging"))
    }

    /// Declaring ahead refuses what `add` refuses (a path that exists, one declared twice); `add`
    /// takes declared and new paths in one batch, refuses a declared path written twice, and a
    /// commit refuses a declared file it never wrote.
    @Test func pathsDeclaredAheadAreChecked() throws {
        let dir = folder()
        let ledger = try committedLedger(dir, path: "invoices/A.json", "a")
        // Nothing to declare touches nothing (no intent list, no fsync): a batch of declared paths
        // declares none.
        try ledger.newCommit().add([])
        try ledger.newCommit().declareAhead([])
        #expect(!FileSystem.exists(dir + "/staging"))
        #expect(throws: StageFailure.self) { try ledger.newCommit().declareAhead(["invoices/A.json"]) }
        #expect(try FileSystem.readText(dir + "/invoices/A.json") == "a")
        #expect(throws: StageFailure.self) { try ledger.newCommit().declareAhead(["invoices/D.json", "invoices/D.json"]) }
        let c = ledger.newCommit()
        try c.declareAhead(["invoices/B.json", "invoices/C.json"])
        // A batch may mix declared paths with new ones; a declared path written twice is refused.
        try c.add([("invoices/X.json", Array("x".utf8)), ("invoices/C.json", Array("c".utf8))])
        #expect(throws: StageFailure.self) { try c.add([("invoices/C.json", Array("again".utf8))]) }
        #expect(try FileSystem.readText(dir + "/invoices/C.json") == "c")
        let twice = ledger.newCommit()
        try twice.declareAhead(["invoices/E.json"])
        #expect(throws: StageFailure.self) { try twice.add([("invoices/E.json", Array("1".utf8)), ("invoices/E.json", Array("2".utf8))]) }
        #expect(!FileSystem.exists(dir + "/invoices/E.json"))  // refused before anything was written
        #expect(throws: StageFailure.self) { try ledger.commit(c) }  // B.json declared, never written
        #expect(!FileSystem.exists(dir + "/pending.json"))
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

    /// A drafted entry (rendered apart from the chain, on another thread) is the canonical line:
    /// its fields sorted around `kind`, `prev` and `seq` wherever their keys fall ("a" < "kind" <
    /// "p" < "prev" < "r" < "seq" < "t"), with the chain's values filled in when it is added.
    @Test func draftedEntryIsTheCanonicalLine() {
        var log = AuditLog(lastHash: String(repeating: "f", count: 64), nextSeq: 41)
        let draft = AuditLog.draft("x", ["t": .int(1), "r": .fields(["b": .null, "a": .string("q\"")]), "p": .array([]), "a": .bool(true)])
        log.add(draft)
        let expected = JSONWriter.compact(.object([
            "a": .bool(true), "kind": .string("x"), "p": .array([]), "prev": .string(String(repeating: "f", count: 64)),
            "r": .fields(["a": .string("q\""), "b": .null]), "seq": .int(41), "t": .int(1),
        ]))
        #expect(log.text == expected + "\n")
        #expect(expected == #"{"a":true,"kind":"x","p":[],"prev":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff","r":{"a":"q\"","b":null},"seq":41,"t":1}"#)
        #expect(log.nextSeq == 42 && log.lastHash == SHA256.hex(Array(expected.utf8)))
    }

    /// Events rendered ahead for the next ids (on another thread, over every core) are the lines
    /// the feed writes when they are added one by one: ids evt_00000007 and evt_00000008.
    @Test func eventsRenderedAheadAreTheSameLines() {
        let day = CivilDate(year: 2026, month: 11, day: 3)!
        var one = EventFeed(secret: Array("k".utf8), nextSeq: 7)
        one.add("a.b", on: day, ["n": .int(1)])
        one.add("c.d", on: day, ["n": .int(2)])
        var ahead = EventFeed(secret: Array("k".utf8), nextSeq: 7)
        let rendered = ahead.render([EventFeed.Event("a.b", on: day, ["n": .int(1)]), EventFeed.Event("c.d", on: day, ["n": .int(2)])], from: 7)
        ahead.add(rendered)
        #expect(ahead.bytes == one.bytes && ahead.nextSeq == 9)
        let lines = String(decoding: one.bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2 && lines[0].contains("\"id\":\"evt_00000007\"") && lines[1].contains("\"id\":\"evt_00000008\""))
        #expect(lines[1].hasPrefix("{\"data\":{\"n\":2},\"id\":\"evt_00000008\",\"signature\":\"v1="))
    }

    /// The chain goes on from the ledger's last non-empty line, numbered after its `seq` (its line
    /// number), whether the file ends with a newline, without one, or with a blank line.
    @Test(arguments: ["{\"seq\":1}\n{\"seq\":2}\n{\"kind\":\"run\",\"seq\":3}\n", "{\"seq\":1}\n{\"seq\":2}\n{\"kind\":\"run\",\"seq\":3}",
                      "{\"seq\":1}\n\n{\"seq\":2}\n{\"kind\":\"run\",\"seq\":3}\n\n"])
    func auditChainResumesAfterTheLastLine(text: String) throws {
        let dir = folder()
        try FileSystem.append(dir + "/audit.jsonl", Array(text.utf8))
        let log = try Ledger(folder: dir, create: true).auditLog()
        #expect(log.nextSeq == 4)  // the last entry is the third
        #expect(log.lastHash == SHA256.hex(Array("{\"kind\":\"run\",\"seq\":3}".utf8)))
    }

    /// Only the log's end is read (64 KiB at a time): a last line longer than that, after 3,000
    /// others, is found whole; a last line without `seq` is an error, not a chain restarted.
    @Test func auditChainTailIsReadFromTheEnd() throws {
        let dir = folder()
        var text = (1...3000).map { "{\"n\":\"\(String(repeating: "x", count: 50))\",\"seq\":\($0)}\n" }.joined()
        let last = "{\"pad\":\"\(String(repeating: "y", count: 150_000))\",\"seq\":3001}"
        text += last + "\n"
        try FileSystem.append(dir + "/audit.jsonl", Array(text.utf8))
        let log = try Ledger(folder: dir, create: true).auditLog()
        #expect(log.nextSeq == 3002 && log.lastHash == SHA256.hex(Array(last.utf8)))
        #expect(try FileSystem.lastLine(of: dir + "/audit.jsonl") == Array(last.utf8))
        try FileSystem.append(dir + "/audit.jsonl", Array("{\"kind\":\"run\"}\n\n".utf8))
        #expect { try Ledger(folder: dir, create: true).auditLog() } throws: { "\($0)".hasSuffix("audit.jsonl: the last line has no seq; run billing-verify") }
    }

    /// The last non-empty line of files that end in every way (nil when there is none).
    @Test(arguments: [("", nil), ("\n\n", nil), ("a", "a"), ("a\n", "a"), ("a\nb", "b"), ("a\nb\n\n\n", "b"), ("\nab\n", "ab")] as [(String, String?)])
    func lastLineOfAFile(text: String, last: String?) throws {
        let path = folder() + "/f"
        try FileSystem.append(path, Array(text.utf8))
        #expect(try FileSystem.lastLine(of: path) == last.map { Array($0.utf8) })
    }

    /// The subscriptions each document bills, from two columns of the line index: INV-1 bills S-1
    /// twice and S-2 once, INV-2 bills S-1; a line index without a document column is refused.
    @Test func documentSubscriptionsFromTheLineIndex() throws {
        let dir = folder()
        try FileSystem.append(dir + "/items.csv", Array("customer_id,subscription_id,amount,document\nC-1,S-1,1.00,INV-1\nC-1,S-2,2.00,INV-1\nC-1,S-1,3.00,INV-1\nC-2,S-1,4.00,INV-2\n".utf8))
        #expect(try Ledger(folder: dir, create: true).documentSubscriptions() == ["INV-1": ["S-1", "S-2"], "INV-2": ["S-1"]])
        let other = folder()
        try FileSystem.append(other + "/items.csv", Array("customer_id,subscription_id\nC-1,S-1\n".utf8))
        #expect(throws: StageFailure.self) { try Ledger(folder: other, create: true).documentSubscriptions() }
    }
}
