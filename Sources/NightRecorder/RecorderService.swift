import Logging
import ServiceLifecycle

/// The recorder as a service of a `ServiceGroup`: on SIGTERM or SIGINT (graceful shutdown) the recording is
/// flushed and closed, and `run` returns.
public struct RecorderService: Service {
    public let recorder: NightRecorder

    public init(recorder: NightRecorder) {
        self.recorder = recorder
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await recorder.run()
        }
    }
}
