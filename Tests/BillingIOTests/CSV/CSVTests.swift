import BillingCore
import Testing
@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// The libcsv wrapper: RFC 4180 quoting, physical line numbers, spaces kept, blank lines skipped.
struct CSVReaderTests {
    func records(_ text: String) throws -> [String] {
        var out: [String] = []
        try CSVReader.read(path: try tempFile(text)) { row in
            out.append("\(row.line):" + (0..<row.count).map { row.lossyString($0) }.joined(separator: "|"))
        }
        return out
    }

    /// A reader stopped at a byte offset says whether it stopped between records, and a second
    /// reader started there numbers its lines from 1. Bytes: `a,b` LF (0–3), a blank line (4),
    /// `"x` LF `y",z` LF (5–12), `c,d` LF (13–16), `e,f` CRLF (17–21), `g,h` (22–24).
    @Test(arguments: [
        // offset, at a boundary, lines before it, the second reader's records
        (4, true, 1, ["2:x\ny|z", "4:c|d", "5:e|f", "6:g|h"]),  // the blank line is its line 1
        (8, false, 2, []),  // after the LF inside the quoted field
        (13, true, 4, ["1:c|d", "2:e|f", "3:g|h"]),
        (22, true, 6, ["1:g|h"]),  // after a CRLF: six line breaks before it
    ])
    func readerStoppedAtAnOffset(offset: Int, boundary: Bool, lines: Int, rest: [String]) throws {
        let path = try tempFile("a,b\n\n\"x\ny\",z\nc,d\ne,f\r\ng,h")
        let first = try CSVReader(path: path)
        try first.read(upTo: offset) { _ in }
        #expect(first.atRecordBoundary == boundary)
        #expect(first.lines == lines)
        guard boundary else { return }
        let second = try CSVReader(path: path, offset: offset)
        var out: [String] = []
        let collect = { (row: CSVRow) in out.append("\(row.line):" + (0..<row.count).map { row.lossyString($0) }.joined(separator: "|")) }
        try second.read(upTo: Int.max, onRecord: collect)
        try second.finish(onRecord: collect)
        #expect(out == rest)
    }

    /// Records go to the function of the call that parses them: read up to byte 10 (in the
    /// middle of `3,4`) with one, then the rest with another, and `finish` (the last line, with no
    /// line break) with a third; a function that throws stops the reading at its record, and its
    /// error comes out.
    @Test func recordsGoToTheirCallsFunctionAndAThrowStops() throws {
        struct Stop: Error {}
        let path = try tempFile("a,b\n1,2\n3,4\n5,6\n7,8")
        let reader = try CSVReader(path: path)
        var first: [Int] = [], second: [Int] = [], last: [Int] = []
        try reader.read(upTo: 10) { first.append($0.line) }
        try reader.read(upTo: Int.max) { second.append($0.line) }
        try reader.finish { last.append($0.line) }
        #expect(first == [1, 2])
        #expect(second == [3, 4])
        #expect(last == [5])
        var seen: [Int] = []
        #expect(throws: Stop.self) {
            try CSVReader.read(path: path) { row in
                seen.append(row.line)
                if row.line == 3 { throw Stop() }
            }
        }
        #expect(seen == [1, 2, 3])
    }

    @Test func quotingSpacesAndLineNumbers() throws {
        let text = "a,b\n\n\"x, y\", keep spaces \n\"multi\nline\",\"say \"\"hi\"\"\"\nlast,row"
        #expect(try records(text) == ["1:a|b", "3:x, y| keep spaces ", "4:multi\nline|say \"hi\"", "6:last|row"])
    }

    @Test func crlfAndBOM() throws {
        #expect(try records("\u{FEFF}id,v\r\n1,2\r\n\r\n3,4\r\n") == ["1:id|v", "2:1|2", "4:3|4"])
    }

    @Test func emptyFieldsAreKept() throws {
        #expect(try records("a,b,c\n,,\n") == ["1:a|b|c", "2:||"])
    }

    @Test func unterminatedQuoteIsAnErrorAtTheRecordsLine() throws {
        #expect(throws: DataError.self) { try records("a,b\n1,\"open\n2,3\n") }
        do { _ = try records("a,b\n1,\"open\n2,3\n") } catch let e as DataError {
            #expect(e.line == 2)
            #expect(e.field == "csv")
        }
    }

    @Test func strayQuoteIsAnError() throws {
        #expect(throws: DataError.self) { try records("a,b\n1,x\"y\n") }
    }

    /// Only a quoted field can hold a line break, so fields are searched for them only near a
    /// quote: in the chunk (1 MiB) being parsed or the one before. Here a quoted field spans three
    /// chunks with a line break in each, its closing quote the last byte of the third chunk, and
    /// is handed over at the line feed that opens the fourth, which holds no quote: its three line
    /// breaks still count, so `x` is on line 2 + 3 + 1 = 6.
    @Test func lineBreaksInAFieldClosedAtAChunksEnd() throws {
        let mib = 1 << 20
        // "h\n" (2 bytes), the opening quote (1), the field, the closing quote at offset 3 MiB − 1.
        var field = [UInt8](repeating: UInt8(ascii: "q"), count: 3 * mib - 4)
        for at in [10, mib + 10, 2 * mib + 10] { field[at] = 0x0A }
        let bytes = Array("h\n\"".utf8) + field + Array("\"\nx\n".utf8)
        #expect(bytes[3 * mib - 1] == UInt8(ascii: "\"") && bytes[3 * mib] == 0x0A)
        let path = try tempFile("")
        try FileSystem.replace(path, bytes)
        var lines: [Int] = []
        var longest = 0
        try CSVReader.read(path: path) { row in
            lines.append(row.line)
            longest = max(longest, row.bytes(0).count)
        }
        #expect(lines == [1, 2, 6])
        #expect(longest == 3 * mib - 4)
    }

    /// Spaces and tabs are data in every chunk, though a chunk that holds neither is parsed with
    /// libcsv's own space test (which would trim them). Chunks of 1 MiB:
    /// 1. ends in `x␣␣`, the field cut before its comma;
    /// 2. opens with `,y`: no space or tab in it, and the two spaces of chunk 1 stay in `x␣␣`;
    /// 3. holds a tab and no space (`⇥t,u`), and ends in `v␣␣`;
    /// 4. opens with `w,x`, no space or tab: the field is `v␣␣w`.
    @Test func spacesAndTabsKeptWhateverTheChunk() throws {
        let mib = 1 << 20
        func filled(_ head: String, _ tail: String) -> [UInt8] {
            var out = Array(head.utf8)
            let room = mib - out.count - tail.utf8.count
            if room % 4 != 0 { out += Array(("q," + String(repeating: "q", count: 1 + room % 4) + "\n").utf8) }
            while out.count + tail.utf8.count < mib { out += Array("q,q\n".utf8) }
            out += Array(tail.utf8)
            #expect(out.count == mib)
            return out
        }
        let bytes = filled("a,b\n", "x  ") + filled(",y\n", "") + filled("\tt,u\n", "v  ") + Array("w,x\nend,row\n".utf8)
        let path = try tempFile("")
        try FileSystem.replace(path, bytes)
        var kept: [String] = []
        try CSVReader.read(path: path) { row in
            let fields = (0..<row.count).map { row.lossyString($0) }
            if fields != ["q", "q"] && !(fields[0] == "q" && fields[1].allSatisfy { $0 == "q" }) { kept.append(fields.joined(separator: "|")) }
        }
        #expect(kept == ["a|b", "x  |y", "\tt|u", "v  w|x", "end|row"])
    }

    /// A 10 MB field is read whole (no fixed field limit).
    @Test func largeField() throws {
        let big = String(repeating: "z", count: 10_000_000)
        var size = 0
        try CSVReader.read(path: try tempFile("a\n\(big)\n")) { row in size = max(size, row.bytes(0).count) }
        #expect(size == 10_000_000)
    }
}

struct CSVWriterTests {
    /// SPEC §8: cells starting with = + - @ tab or CR are neutralised; plain numbers are not; a CR
    /// also has the cell quoted.
    @Test(arguments: [("=SUM(A1)", "'=SUM(A1)"), ("+1 555", "'+1 555"), ("-12.50", "-12.50"), ("-x", "'-x"), ("@cmd", "'@cmd"),
                      ("\tx", "'\tx"), ("12", "12"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("'quoted", "''quoted"),
                      ("=1,2", "\"'=1,2\""), ("\rx", "\"'\rx\""), ("", "")])
    func neutralisesFormulas(input: String, output: String) {
        #expect(CSVWriter.line([input]) == output + "\n")
    }

    /// Cells joined by commas, empty cells kept, each line LF-terminated, the header first.
    @Test func documentJoinsCellsAndLines() {
        let text = CSVWriter.document(header: ["a", "b", "c"], rows: [["1", "", "é"], ["x,y", "=z", "-3"]])
        #expect(text == "a,b,c\n1,,é\n\"x,y\",'=z,-3\n")
    }

    @Test func roundTripsThroughTheReader() throws {
        let cells = ["=1+1", "-5", "a,b", "line\nbreak", "'x", "plain"]
        let path = try tempFile(CSVWriter.line(cells))
        var back: [String] = []
        try CSVReader.read(path: path) { row in back = (0..<row.count).map { CSVWriter.unneutralized(row.lossyString($0)) } }
        #expect(back == cells)
    }

    /// A field is text only if its bytes are valid UTF-8: a lone continuation or 0xFF byte, a
    /// sequence cut short, an overlong form and an encoded surrogate are not; the replacement
    /// character itself (EF BF BD) and a four-byte emoji are. A four-byte sequence cut after three
    /// bytes is repaired to one replacement character, three bytes too: only the bytes tell.
    @Test(arguments: [
        ([0x61, 0x62], true), ([], true), (Array("Zürich €".utf8), true), ([0xF0, 0x9F, 0x98, 0x80], true), ([0xEF, 0xBF, 0xBD], true),
        ([0xFF], false), ([0x80], false), ([0x61, 0xC3], false), ([0xC0, 0xAF], false), ([0xED, 0xA0, 0x80], false),
        ([0xE2, 0x82], false), ([0xF0, 0x9F, 0x98], false), ([0x61, 0xF0, 0x9F, 0x98, 0x62], false),
    ] as [([UInt8], Bool)])
    func validUTF8(bytes: [UInt8], valid: Bool) {
        let text = bytes.withUnsafeBufferPointer { String(validUTF8: $0) }
        #expect((text != nil) == valid)
        if let text { #expect(Array(text.utf8) == bytes) }
    }
}

/// `shortCopy`, which the reader and the usage spill copy short fields with.
struct ShortCopyTests {
    /// Every length up to 40 bytes (the ways `shortCopy` splits a copy: none, one to three bytes,
    /// four to seven, eight to sixteen, longer), from every offset of 0 to 7 in the source: the
    /// bytes arrive in order, and not one byte before or after the destination's range changes.
    @Test(arguments: 0...40)
    func shortCopyMovesExactlyTheBytes(count: Int) {
        let source = (0..<48).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for offset in 0..<8 {
            var destination = [UInt8](repeating: 0xEE, count: count + 16)
            source.withUnsafeBytes { s in
                destination.withUnsafeMutableBytes { d in shortCopy(s.baseAddress! + offset, to: d.baseAddress! + 8, count: count) }
            }
            #expect(Array(destination[8..<(8 + count)]) == Array(source[offset..<(offset + count)]), "offset \(offset)")
            #expect(destination[..<8].allSatisfy { $0 == 0xEE } && destination[(8 + count)...].allSatisfy { $0 == 0xEE }, "offset \(offset)")
        }
    }
}
