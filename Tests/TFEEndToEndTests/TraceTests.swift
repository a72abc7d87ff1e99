import Foundation
import Testing
import TFEBytecode
import TFECommands
import TFECore
import TFEFrontend
import TFERuntime
import TFETestSupport

/// `tfe-vm run --trace`: Chrome trace events that Perfetto and chrome://tracing open.
struct TraceTests {
    @Test func localRunWritesOneTrackPerPartyWithItsInstructionsAndExchanges() throws {
        let directory = try CommandLineTests.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let program = EndToEnd.path("programs/average/average.tfe")
        var arguments = ["run", program, "--trace", directory.appendingPathComponent("trace.json").path]
        for number in 0..<5 {
            arguments += ["--input", "provider\(number):x=" + EndToEnd.path("programs/average/data/provider\(number).npy")]
        }
        let result = CommandOutput.capture { TfeVM.main(arguments, console: $0) }
        #expect(result.exitCode == .success, "\(result.error)")

        let data = try Data(contentsOf: directory.appendingPathComponent("trace.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = try #require(root["traceEvents"] as? [[String: Any]])
        let names = events.filter { $0["ph"] as? String == "M" }.compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(names == ["server0", "server1", "server2", "provider0", "provider1", "provider2", "provider3",
                          "provider4", "result_receiver"])
        let spans = events.filter { $0["ph"] as? String == "X" }
        #expect(!spans.isEmpty)
        // Each party's spans follow one another (a machine does one thing at a time), at non-negative times.
        for party in 0..<names.count {
            let mine = spans.filter { $0["tid"] as? Int == party }
            #expect(!mine.isEmpty, "\(names[party]) has no events")
            var previousEnd = 0.0
            for span in mine {
                let start = try #require(span["ts"] as? Double), duration = try #require(span["dur"] as? Double)
                #expect(start >= 0 && duration >= 0)
                #expect(start + 0.002 >= previousEnd, "\(names[party]): overlapping spans")
                previousEnd = start + duration
            }
        }
        // Instructions carry their index, asm text and source position; exchanges their round.
        let opens = spans.filter { $0["name"] as? String == "open" }
        #expect(!opens.isEmpty)
        for span in opens {
            let arguments = try #require(span["args"] as? [String: Any])
            #expect((arguments["asm"] as? String)?.contains(" = open ") == true)
            #expect((arguments["source"] as? String)?.hasPrefix("average.tfe:") == true)
            #expect(arguments["round"] is Int && arguments["instruction"] is String)
        }
        let exchanges = spans.filter { $0["cat"] as? String == "exchange" }
        #expect(Set(exchanges.compactMap { $0["tid"] as? Int }) == Set(0..<names.count))
    }
}
