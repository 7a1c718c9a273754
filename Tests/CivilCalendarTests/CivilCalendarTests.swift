import CivilCalendar
import Testing

@Suite("Civil calendar")
struct CivilCalendarTests {
    @Test("known day numbers (Unix time / 86 400)")
    func known() {
        // 946 684 800 s = 2000-01-01, 951 868 800 s = 2000-03-01, 1 767 225 600 s = 2026-01-01, -86 400 s = 1969-12-31,
        // -2 208 988 800 s = 1900-01-01 (the NTP epoch).
        let cases: [(Int, Int, Int, Int)] = [
            (1970, 1, 1, 0), (1969, 12, 31, -1), (2000, 1, 1, 10957), (2000, 3, 1, 11017), (2026, 1, 1, 20454),
            (1900, 1, 1, -25567), (2000, 2, 29, 11016), (1900, 3, 1, -25508),
        ]
        for (y, m, d, n) in cases {
            #expect(CivilCalendar.dayNumber(year: y, month: m, day: d) == n, "\(y)-\(m)-\(d)")
            let back = CivilCalendar.date(dayNumber: n)
            #expect(back.year == y && back.month == m && back.day == d, "\(n)")
        }
    }

    @Test("day numbers and dates round-trip and step one day at a time over 800 years")
    func roundTrip() {
        var previous = CivilCalendar.date(dayNumber: -150_000)
        for n in -149_999...150_000 {
            let date = CivilCalendar.date(dayNumber: n)
            #expect(CivilCalendar.dayNumber(year: date.year, month: date.month, day: date.day) == n)
            // The next day: the day after, or the 1st of the next month (of the next year after December).
            let nextDay = date.day == previous.day + 1 && date.month == previous.month && date.year == previous.year
            let nextMonth = date.day == 1 && (date.month == previous.month + 1 && date.year == previous.year
                || date.month == 1 && previous.month == 12 && date.year == previous.year + 1)
            #expect(nextDay || nextMonth, "\(n)")
            previous = date
        }
    }
}
