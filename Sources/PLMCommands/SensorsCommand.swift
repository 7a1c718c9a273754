import ArgumentParser
import Foundation
import PLMVocabulary
import SensorUSB

/// `plm sensors` lists the sensors on USB; `plm sensors assign SERIAL left|right` stores a sensor's side in it.
public struct SensorsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sensors",
        abstract: "List the plm sensors on USB (serial, side, firmware, rate, state, buffered frames).",
        discussion: "A sensor plmd is recording from is in use and shown as such.",
        subcommands: [Assign.self])

    public init() {}

    public func run() throws {
        let usb = try USBContext()
        defer { usb.close() }
        print(try SensorsCommand.table(usb), terminator: "")
    }

    /// One line per sensor, sorted by serial number.
    public static func table(_ usb: USBContext) throws -> String {
        let listed = try usb.listSensors().sorted { $0.serial < $1.serial }
        if listed.isEmpty { return "no plm sensor found on USB\n" }
        var out = "serial                    side     firmware  rate    state     buffered\n"
        for l in listed {
            let device: SensorDevice
            do { device = try usb.open(serial: l.serial) } catch {
                out += "\(pad(l.serial, 26))(in use, e.g. by plmd: \(error))\n"
                continue
            }
            defer { device.close() }
            do {
                let info = try device.info()
                let buffered = try device.buffered()
                let side = info.side.leg?.name ?? "unset"
                let fw = "\(info.firmwareVersion.major).\(info.firmwareVersion.minor).\(info.firmwareVersion.patch)"
                out += pad(l.serial, 26) + pad(side, 9) + pad(fw, 10) + pad("\(info.rateHz) Hz", 8)
                    + pad(info.isRunning ? "running" : "stopped", 10) + "\(buffered.frames) frames\n"
            } catch {
                out += "\(pad(l.serial, 26))(cannot read: \(error))\n"
            }
        }
        return out
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

    /// `plm sensors assign SERIAL left|right`
    public struct Assign: ParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Store the leg a sensor is worn on in the sensor (SET_SIDE).")

        @Argument(help: "The sensor's serial number (see plm sensors).") public var serial: String
        @Argument(help: "left or right.") public var side: String

        public init() {}

        public func validate() throws {
            guard side == "left" || side == "right" else { throw ValidationError("expected left or right, found '\(side)'") }
        }

        public func run() throws {
            let usb = try USBContext()
            defer { usb.close() }
            try Assign.assign(usb, serial: serial, side: SensorSide(Leg(name: side)))
            print("\(serial) is now the \(side) sensor")
        }

        /// Opens the sensor by serial number and stores its side.
        public static func assign(_ usb: USBContext, serial: String, side: SensorSide) throws {
            let device: SensorDevice
            do { device = try usb.open(serial: serial) } catch {
                throw ValidationError("cannot open sensor \(serial) (\(error)); is it plugged in, or in use by plmd?")
            }
            defer { device.close() }
            try device.setSide(side)
        }
    }
}
