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
        return String(validating: b, as: UTF8.self)
    }

    /// Field `i` as text with invalid bytes replaced, for messages.
    public func lossyString(_ i: Int) -> String { String(decoding: bytes(i), as: UTF8.self) }
}
