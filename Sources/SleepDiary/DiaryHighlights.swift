extension DiaryEntry {
    /// A few words on what the entry says of its night — triggers, remedies, medicines, symptoms — e.g.
    /// `caffeine 4, alcohol 1.5, bath 20 min, ropinirole 0.25 mg, severity 8/10`. Used by `plm nights` and the
    /// reports' nights tables. Empty when none of those fields is recorded.
    public var highlights: String {
        var parts: [String] = []
        func n(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
        if let c = caffeineCups, c > 0 { parts.append("caffeine \(c)") }
        if let a = alcoholDrinks, a > 0 { parts.append("alcohol \(n(a))") }
        if let x = exerciseMinutes, x > 0 { parts.append("exercise \(x) min") }
        if let i = ironDoseMg, i > 0 { parts.append("iron \(n(i)) mg") }
        for r in Remedy.allCases { if let m = remedies[r]?.minutes, m > 0 { parts.append("\(r.rawValue) \(m) min") } }
        for m in medications { parts.append(m.name + (m.doseMg.map { " \(n($0)) mg" } ?? "")) }
        if let s = symptomSeverity { parts.append("severity \(s)/10") }
        if let f = fatigue { parts.append("fatigue \(f)/10") }
        return parts.joined(separator: ", ")
    }
}
