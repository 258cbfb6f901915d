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
}
