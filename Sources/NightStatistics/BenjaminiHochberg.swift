/// The Benjamini–Hochberg false discovery rate procedure, as adjusted p-values.
///
/// Reference: Benjamini, Y. & Hochberg, Y. (1995). "Controlling the false discovery rate: a practical and
/// powerful approach to multiple testing." *Journal of the Royal Statistical Society B* 57(1), 289–300.
public enum BenjaminiHochberg {
    /// Adjusted p-values (q-values) in the input order, as scipy.stats.false_discovery_control(p, method='bh').
    ///
    /// With the m p-values sorted ascending, p(1) ≤ … ≤ p(m), the adjusted value of p(i) is
    /// min over j ≥ i of m·p(j)/j (the step-up running minimum from the largest), capped at 1. Rejecting the
    /// hypotheses whose adjusted value is ≤ q controls the false discovery rate at q for independent (or
    /// positively dependent) tests. The adjusted values are ≥ the raw ones and monotone in the raw order.
    /// An empty input gives an empty output.
    public static func adjust(_ p: [Double]) -> [Double] {
        let m = p.count
        guard m > 0 else { return [] }
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var running = Double.infinity
        for rank in stride(from: m, through: 1, by: -1) {
            let index = order[rank - 1]
            // p·(m/i) as scipy computes it: the factor is ≥ 1 (exactly 1 for the largest), so adjusted ≥ raw exactly.
            running = min(running, p[index] * (Double(m) / Double(rank)))
            adjusted[index] = min(1, running)
        }
        return adjusted
    }
}
