extension RandomAccessCollection {
    /// Binary search in a collection whose elements for which `isBefore` holds all come first: the index of the
    /// first element for which it does not (`endIndex` when it holds for all). With `{ $0 < x }` on sorted
    /// elements it is the lower bound of `x` (first element `>= x`); with `{ $0 <= x }`, the upper bound.
    @inlinable
    public func partitionIndex(where isBefore: (Element) throws -> Bool) rethrows -> Index {
        var low = startIndex
        var n = count
        while n > 0 {
            let half = n / 2
            let middle = index(low, offsetBy: half)
            if try isBefore(self[middle]) {
                low = index(after: middle)
                n -= half + 1
            } else {
                n = half
            }
        }
        return low
    }
}
