import PLMVocabulary

/// Rolling medians over calendar days, to show the trend of a noisy nightly series (such as the PLM index)
/// without letting a single bad night dominate.
///
/// Reference: Tukey, J. W. (1977). *Exploratory Data Analysis.* Addison-Wesley, ch. 7 (running medians).
public enum RollingMedian {
    /// Trailing calendar window: for each input point (day number, value), the median of the values whose day lies in
    /// [day - (days - 1), day]; nil when fewer than `minimumCount` values fall in that window. Input need not be sorted;
    /// output is in input order. Days are integers (e.g. days since 1970-01-01).
    ///
    /// The window counts calendar days, not observations, so missing nights shrink it rather than reaching further
    /// back. Several values on the same day all count. The median of an even count is the mean of the two middle
    /// values. A `window` below 1 holds no values (all results `nil`).
    ///
    /// - Parameters:
    ///   - days: The day of each value.
    ///   - values: The values; must have the same count as `days` (checked with a precondition).
    ///   - window: The window length in days, 7 by default.
    ///   - minimumCount: The fewest values a window must hold to give a median, 3 by default.
    public static func trailing(days: [Int], values: [Double], window: Int = 7, minimumCount: Int = 3) -> [Double?] {
        precondition(days.count == values.count, "RollingMedian.trailing: days and values differ in length")
        guard window >= 1 else { return [Double?](repeating: nil, count: days.count) }
        // Points sorted by day, so each window is a contiguous slice found by binary search.
        let order = days.indices.sorted { days[$0] < days[$1] }
        let sortedDays = order.map { days[$0] }

        /// First position in `sortedDays` whose day is >= `day`.
        func lowerBound(_ day: Int) -> Int { sortedDays.partitionIndex { $0 < day } }

        return days.map { day in
            let (start, overflow) = day.subtractingReportingOverflow(window - 1)
            let first = overflow ? 0 : lowerBound(start)
            let end = day == Int.max ? sortedDays.count : lowerBound(day + 1)
            let inside = (first..<end).map { values[order[$0]] }
            guard inside.count >= max(minimumCount, 1) else { return nil }
            return Distributions.sortedMedian(inside.sorted())
        }
    }
}
