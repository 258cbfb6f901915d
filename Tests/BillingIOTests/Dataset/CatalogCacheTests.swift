import BillingCore
import Testing
@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// The pipeline's catalog cache answers a read only from files identical, byte for byte, to the
/// ones it parsed: a file changed in place, even to the same size and modification time, is parsed
/// again.
struct CatalogCacheTests {
    /// A copy of `samples/basic`'s dataset files in a new folder.
    func dataset() throws -> String {
        let dir = tempFolder("billing-catalog")
        // The package root, from this file's path (Tests/BillingIOTests/Dataset/CatalogCacheTests.swift).
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        let sample = parts.joined(separator: "/") + "/samples/basic"
        for name in try FileSystem.list(sample) where name.hasSuffix(".csv") || name.hasSuffix(".json") {
            try FileSystem.replace(dir + "/" + name, try FileSystem.read(sample + "/" + name))
        }
        return dir
    }

    @Test func identicalFilesAreParsedOnce() throws {
        let dir = try dataset()
        let cache = CatalogCache()
        let first = try cache.catalog(folder: dir)
        let second = try cache.catalog(folder: dir)
        #expect(cache.parses == 1)
        #expect(first.customers["C-001"]?.name == "Blue Harbor LLC")
        #expect(second.customers.count == first.customers.count)
        #expect(second.customers["C-001"]?.name == "Blue Harbor LLC")
    }

    /// The same bytes in another folder are parsed again: a catalog's source locations name the
    /// folder.
    @Test func anotherFolderIsParsedAgain() throws {
        let (a, b) = (try dataset(), try dataset())
        let cache = CatalogCache()
        _ = try cache.catalog(folder: a)
        let other = try cache.catalog(folder: b)
        #expect(cache.parses == 2)
        #expect(other.customers["C-001"]?.source.file.hasPrefix(b) == true)
    }

    /// "Blue Harbor LLC" becomes "Blue Harbor LLP": the same size, and the file's times are set
    /// back to what they were, so only its bytes tell.
    @Test func aFileChangedInPlaceIsParsedAgain() throws {
        let dir = try dataset()
        let path = dir + "/customers.csv"
        let cache = CatalogCache()
        _ = try cache.catalog(folder: dir)
        var before = stat()
        #expect(stat(path, &before) == 0)
        let text = try FileSystem.readText(path)
        let edited = text.replacingOccurrences("Blue Harbor LLC", "Blue Harbor LLP")
        #expect(edited.utf8.count == text.utf8.count && edited != text)
        let fd = open(path, O_WRONLY | O_TRUNC)
        #expect(fd >= 0)
        let bytes = Array(edited.utf8)
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
        var times = [before.st_atim, before.st_mtim]
        #expect(futimens(fd, &times) == 0)
        close(fd)
        var after = stat()
        #expect(stat(path, &after) == 0)
        #expect(after.st_size == before.st_size && after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
        let again = try cache.catalog(folder: dir)
        #expect(cache.parses == 2)
        #expect(again.customers["C-001"]?.name == "Blue Harbor LLP")
    }

    /// An optional file that disappears (here `fx_rates.csv`) is a change too.
    @Test func aRemovedFileIsParsedAgain() throws {
        let dir = try dataset()
        let cache = CatalogCache()
        let first = try cache.catalog(folder: dir)
        #expect(first.fxRates.count == 2)
        #expect(unlink(dir + "/fx_rates.csv") == 0)
        let again = try cache.catalog(folder: dir)
        #expect(cache.parses == 2)
        #expect(again.fxRates.isEmpty)
    }

    /// An optional file that appears is a change too.
    @Test func anAddedFileIsParsedAgain() throws {
        let dir = try dataset()
        let fx = try FileSystem.read(dir + "/fx_rates.csv")
        #expect(unlink(dir + "/fx_rates.csv") == 0)
        let cache = CatalogCache()
        #expect(try cache.catalog(folder: dir).fxRates.isEmpty)
        try FileSystem.replace(dir + "/fx_rates.csv", fx)
        let again = try cache.catalog(folder: dir)
        #expect(cache.parses == 2)
        #expect(again.fxRates.count == 2)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
