import LegMovementScoring

/// What an annotation label means for scoring.
public enum EventKind: Sendable, Equatable {
    case legMovement(Leg)
    case stage(SleepStage)
    case arousal
    case respiratory
    case lightsOff
    case lightsOn
    /// An interval of time in bed (measured from leg posture, or annotated).
    case inBed
    /// A known label that scoring does not use (another scorer's PLM marks, desaturations, snoring).
    case ignored
    case unknown
}

/// Maps labels of the Luna, NSRR, Polyman/REMLogic and BIDS families to event kinds
/// (docs/formats.md lists the families; the matching is case-insensitive and ignores spacing).
public enum LabelCatalog {
    public static func classify(_ raw: String) -> EventKind {
        let label = normalize(raw)
        if label.isEmpty { return .unknown }

        // Lights.
        let squashed = label.filter { $0.isLetter }
        if ["lightsoff", "lightsout"].contains(squashed) { return .lightsOff }
        if squashed == "lightson" { return .lightsOn }
        if squashed == "inbed" { return .inBed }

        // Breathing events before arousals: "respiratory effort related arousal" is breathing.
        if label.contains("apnea") || label.contains("apnoea") || label.contains("hypopnea")
            || label.contains("hypopnoea") || squashed == "rera" || label.hasPrefix("rera")
            || label.contains("respiratory effort related arousal") || label.contains("respiratory event")
        {
            return .respiratory
        }

        // Periodic-movement marks from another scorer: ours are recomputed, theirs are not input.
        if label.hasPrefix("plm") || label.contains("periodic leg movement") || label.contains("periodic limb movement") {
            return .ignored
        }

        // Leg movements: LM/left, LM_right, Limb movement - left, Limb Movement (Left), Limb movement@@EMG LAT,
        // Leg movement right, LM.
        if isLegMovement(label) { return .legMovement(side(of: label)) }

        if label.contains("arousal") { return .arousal }

        if let stage = stage(label) { return .stage(stage) }

        let ignoredWords = ["desaturation", "desat", "snore", "snoring", "body position", "position", "spo2"]
        if ignoredWords.contains(where: { label.contains($0) }) { return .ignored }
        return .unknown
    }

    /// Lower case, trimmed, runs of white space and underscores folded to one space.
    static func normalize(_ raw: String) -> String {
        var out = ""
        var pendingSpace = false
        for ch in raw.lowercased() {
            if ch == " " || ch == "_" || ch == "\t" {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(" ")
                pendingSpace = false
            }
            out.append(ch)
        }
        return out
    }

    static func isLegMovement(_ label: String) -> Bool {
        if label.contains("limb movement") || label.contains("leg movement") || label.contains("limb mvmt") {
            return true
        }
        guard label.hasPrefix("lm") else { return false }
        let rest = label.dropFirst(2)
        // "lm" alone, or followed by a separator: lm/left, lm left, lm-l, lm (left).
        return rest.isEmpty || rest.first.map { "/ -(.:".contains($0) } == true
    }

    static func side(of label: String) -> Leg {
        let words = label.split(whereSeparator: { !$0.isLetter }).map(String.init)
        if label.contains("both") || label.contains("bilateral") || words.contains("b") { return .both }
        if label.contains("left") || label.contains("@@emg lat") || words.contains("l") || words.contains("lat")
            || words.contains("lleg")
        {
            return .left
        }
        if label.contains("right") || label.contains("@@emg rat") || words.contains("r") || words.contains("rat")
            || words.contains("rleg")
        {
            return .right
        }
        return .unknown
    }

    static func stage(_ label: String) -> SleepStage? {
        // NSRR writes "Stage 2 sleep|2", "Wake|0", "REM sleep|5": the part before the bar names it.
        var s = label
        if let bar = s.firstIndex(of: "|") { s = String(s[..<bar]) }
        var hadStageWord = false
        for prefix in ["sleep stage ", "sleep stage", "stage "] where s.hasPrefix(prefix) {
            s = String(s.dropFirst(prefix.count))
            hadStageWord = true
            break
        }
        if s.hasSuffix(" sleep") {
            s = String(s.dropLast(" sleep".count))
            hadStageWord = true
        }
        s = s.trimmingSpaces()
        switch s {
        case "w", "wake", "awake", "wakefulness": return .wake
        case "n1", "nrem1", "s1": return .n1
        case "n2", "nrem2", "s2": return .n2
        case "n3", "n4", "nrem3", "nrem4", "s3", "s4", "sws": return .n3
        case "r", "rem": return .rem
        case "?", "unscored", "movement", "mt": return .unscored
        case "unknown", "unsure": return hadStageWord ? .unscored : nil
        default: break
        }
        guard hadStageWord else { return nil }
        switch s {
        case "0": return .wake
        case "1": return .n1
        case "2": return .n2
        case "3", "4": return .n3
        case "5": return .rem
        case "6", "9": return .unscored
        default: return nil
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
