/// Ranks of a sample, with ties sharing the average of the ranks they span.
///
/// Reference: Kendall, M. G. (1945). "The treatment of ties in ranking problems." *Biometrika* 33(3), 239–251;
/// the "mid-rank" convention used by Mann & Whitney (1947) and Spearman's rank correlation. Matches
/// `scipy.stats.rankdata(x, method="average")`.
public enum Ranks {
    /// 1-based ranks, with tied values each given the mean of the ranks they occupy.
    ///
    /// `[2, 1, 2, 3]` gives `[2.5, 1, 2.5, 4]`. The output is in input order. NaN values are not supported (they
    /// have no order); the result for them is unspecified but the call does not trap.
    public static func average(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var ranks = [Double](repeating: 0, count: x.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, x[order[end]] == x[order[start]] { end += 1 }
            // Positions start..<end hold one tie group; their 1-based ranks are start+1 ... end.
            let rank = Double(start + 1 + end) / 2
            for position in start..<end { ranks[order[position]] = rank }
            start = end
        }
        return ranks
    }

    /// Sizes of the groups of equal values (1 for an untied value), in ascending order of value.
    static func tieGroupSizes(_ x: [Double]) -> [Int] {
        let sorted = x.sorted()
        var sizes: [Int] = []
        var start = 0
        while start < sorted.count {
            var end = start + 1
            while end < sorted.count, sorted[end] == sorted[start] { end += 1 }
            sizes.append(end - start)
            start = end
        }
        return sizes
    }
}
