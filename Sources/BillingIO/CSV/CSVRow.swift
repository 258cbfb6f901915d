#if canImport(Glibc)
    import Glibc
#endif

/// One CSV record as bytes: a view over the reader's reusable buffer, valid only inside the
/// callback that receives it. Reading a field as bytes builds no `String` (the usage hot path).
public struct CSVRow {
    /// The physical line where the record starts (blank lines counted).
    public let line: Int
    let buffer: UnsafeBufferPointer<UInt8>
    let ends: UnsafeBufferPointer<Int>

    /// The number of fields.
    public var count: Int { ends.count }

    /// The bytes of field `i`.
    public func bytes(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let start = i == 0 ? 0 : ends[i - 1]
        return UnsafeBufferPointer(rebasing: buffer[start..<ends[i]])
    }

    /// Field `i` as text, or nil if it is not valid UTF-8 or holds a NUL byte.
    public func string(_ i: Int) -> String? {
        let b = bytes(i)
        if b.contains(0) { return nil }
        return String(validUTF8: b)
    }

    /// Field `i` as text with invalid bytes replaced, for messages.
    public func lossyString(_ i: Int) -> String { String(decoding: bytes(i), as: UTF8.self) }
}

extension String {
    /// The text of `bytes` if they are valid UTF-8, else nil. Decoding repairs invalid sequences,
    /// so the bytes are valid exactly when the decoded text has them unchanged, compared with
    /// `memcmp` (a cut sequence can be repaired to as many bytes). (The standard
    /// `String(validating:as:)` is generic and looks up type metadata on every call: 5 % of the
    /// report stage, which reads every ledger cell through it; comparing through `utf8`'s iterator
    /// was 3 % more.)
    init?(validUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        var s = String(decoding: bytes, as: UTF8.self)
        let same = s.withUTF8 { decoded in
            decoded.count == bytes.count && (bytes.isEmpty || memcmp(decoded.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
        guard same else { return nil }
        self = s
    }
}
