import Foundation
import Testing

@testable import SleepDiary

@Suite struct NightDateTests {
    @Test func parsesStrictText() throws {
        let date = try #require(NightDate("2026-03-14"))
        #expect(date.year == 2026 && date.month == 3 && date.day == 14)
        #expect(date.description == "2026-03-14")
        #expect(NightDate("2024-02-29") != nil)
        for bad in [
            "2026-3-14", "2026/03/14", "20260314", " 2026-03-14", "2026-03-14 ", "2026-02-30", "2025-02-29",
            "2026-13-01", "2026-00-10", "2026-04-31", "1899-12-31", "2201-01-01", "2026-03-1x", "", "１２３４-01-01",
            "1900-02-29",
        ] {
            #expect(NightDate(bad) == nil, "\(bad)")
        }
        #expect(NightDate("1900-01-01") != nil)
        #expect(NightDate("2200-12-31") != nil)
        #expect(NightDate("2000-02-29") != nil)
    }

    @Test func parseReasons() {
        guard case .failure(let format) = NightDate.parse("14/03/2026") else { Issue.record("accepted"); return }
        #expect(format.kind == .badDate)
        guard case .failure(let impossible) = NightDate.parse("2026-02-30") else { Issue.record("accepted"); return }
        #expect(impossible.kind == .impossibleDate)
        guard case .failure(let range) = NightDate.parse("1850-01-01") else { Issue.record("accepted"); return }
        #expect(range.kind == .outOfRange)
    }

    @Test func dayNumbers() throws {
        let known: [(String, Int)] = [
            ("1970-01-01", 0), ("1969-12-31", -1), ("2000-01-01", 10957), ("2026-03-14", 20526),
            ("1900-01-01", -25567), ("2200-12-31", 84370),
        ]
        for (text, number) in known {
            let date = try #require(NightDate(text))
            #expect(date.dayNumber == number, "\(text)")
            #expect(NightDate(dayNumber: number) == date, "\(text)")
        }
        // Every day from 1900 to 2200 follows the one before.
        var previous = try #require(NightDate("1900-01-01"))
        for number in (-25567 + 1)...84370 {
            let date = NightDate(dayNumber: number)
            #expect(date.dayNumber == number)
            #expect(previous < date)
            #expect(NightDate(date.description) == date)
            previous = date
        }
        #expect(previous.description == "2200-12-31")
    }

    @Test func adding() throws {
        let date = try #require(NightDate("2024-02-28"))
        #expect(date.adding(days: 1).description == "2024-02-29")
        #expect(date.adding(days: 2).description == "2024-03-01")
        #expect(date.adding(days: -59).description == "2023-12-31")
        #expect(date.adding(days: 0) == date)
    }

    @Test func nightOfAMoment() {
        // 2026-03-15T01:30:00Z
        let utc: Int64 = 1_773_538_200 * 1_000_000
        #expect(NightDate(unixMicroseconds: utc, utcOffsetSeconds: 0, cutoffHour: 12).description == "2026-03-14")
        #expect(NightDate(unixMicroseconds: utc, utcOffsetSeconds: 0, cutoffHour: 0).description == "2026-03-15")
        #expect(NightDate(unixMicroseconds: utc, utcOffsetSeconds: 0, cutoffHour: 1).description == "2026-03-15")
        #expect(NightDate(unixMicroseconds: utc, utcOffsetSeconds: 0, cutoffHour: 2).description == "2026-03-14")
        // Local 20:30 the evening before (UTC-5): that evening's night.
        #expect(NightDate(unixMicroseconds: utc, utcOffsetSeconds: -5 * 3600, cutoffHour: 12).description == "2026-03-14")
        // Local 12:30 (UTC+11): past the cutoff, the 15th's night.
        #expect(NightDate(unixMicroseconds: utc, utcOffsetSeconds: 11 * 3600, cutoffHour: 12).description == "2026-03-15")
        // Exactly at the cutoff belongs to the new day.
        let noon: Int64 = (1_773_538_200 - 5400 + 12 * 3600) * 1_000_000
        #expect(NightDate(unixMicroseconds: noon, utcOffsetSeconds: 0, cutoffHour: 12).description == "2026-03-15")
        #expect(NightDate(unixMicroseconds: noon - 1, utcOffsetSeconds: 0, cutoffHour: 12).description == "2026-03-14")
        // Before 1970: floor division, not truncation.
        #expect(NightDate(unixMicroseconds: -1, utcOffsetSeconds: 0, cutoffHour: 0).description == "1969-12-31")
        #expect(NightDate(unixMicroseconds: -1, utcOffsetSeconds: 0, cutoffHour: 12).description == "1969-12-31")
        #expect(NightDate(unixMicroseconds: -13 * 3_600_000_000, utcOffsetSeconds: 0, cutoffHour: 12).description == "1969-12-30")
    }

    @Test func codableAsString() throws {
        let date = try #require(NightDate("2026-03-14"))
        let json = try JSONEncoder().encode([date])
        #expect(String(decoding: json, as: UTF8.self) == "[\"2026-03-14\"]")
        #expect(try JSONDecoder().decode([NightDate].self, from: json) == [date])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([NightDate].self, from: Data("[\"2026-02-30\"]".utf8))
        }
    }
}

@Suite struct ClockTimeTests {
    @Test func parsesAndWrites() throws {
        #expect(ClockTime("21:05")?.minutes == 21 * 60 + 5)
        #expect(ClockTime("7:05")?.description == "07:05")
        #expect(ClockTime("00:00")?.minutes == 0)
        #expect(ClockTime("23:59")?.minutes == 1439)
        for bad in ["25:00", "24:00", "7pm", "7:5", "07:60", "7.30", "0730", "", ":30", "123:00", " 7:30", "-1:00"] {
            #expect(ClockTime(bad) == nil, "\(bad)")
        }
        #expect(ClockTime(minutes: 1440) == nil)
        #expect(ClockTime(minutes: -1) == nil)
        for m in 0..<1440 {
            let time = try #require(ClockTime(minutes: m))
            #expect(ClockTime(time.description) == time)
        }
        #expect(try #require(ClockTime("06:00")) < #require(ClockTime("23:00")))
    }

    @Test func codableAsString() throws {
        let time = try #require(ClockTime("9:30"))
        let json = try JSONEncoder().encode([time])
        #expect(String(decoding: json, as: UTF8.self) == "[\"09:30\"]")
        #expect(try JSONDecoder().decode([ClockTime].self, from: json) == [time])
    }
}
