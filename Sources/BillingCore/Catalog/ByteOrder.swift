/// Byte strings ordered by their bytes, cheaply: most are told apart by their first 16 bytes,
/// loaded as two words, so a sort compares two pairs of integers instead of two strings. Used to
/// put ids in order (`Catalog.inKeyOrder`, usage's ids files).
public enum ByteOrder {
    /// The first 16 bytes of `bytes` as two big-endian words, zero-padded. Comparing these orders
    /// byte strings as their bytes do, except strings equal in them (equal in their first 16
    /// bytes, or differing only by trailing zero bytes), which must be compared whole.
    @inlinable
    public static func leadingWords(_ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var w: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &w) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(16))) }
        return (UInt64(bigEndian: w.0), UInt64(bigEndian: w.1))
    }
}
