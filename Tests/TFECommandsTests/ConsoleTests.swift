import Testing
import TFECommands

@Test(arguments: [
    ([String: String](), true, true),
    ([:], false, false),
    (["NO_COLOR": "1"], true, false),
    (["NO_COLOR": ""], true, true),
    (["NO_COLOR": "1"], false, false),
    (["TERM": "dumb"], true, false),
    (["TERM": "xterm-256color"], true, true),
])
func colorEnabled(environment: [String: String], isTerminal: Bool, expected: Bool) {
    #expect(Console.isColorEnabled(environment: environment, isTerminal: isTerminal) == expected)
}

@Test(arguments: [(ExitCode.success, 0), (.failure, 1), (.usage, 64), (.internal, 70)] as [(ExitCode, Int32)])
func exitCodeValues(code: ExitCode, value: Int32) {
    #expect(code.rawValue == value)
}

@Test func captureKeepsStreamsApartAndInOrder() {
    let output = CommandOutput.capture { console in
        console.write("a")
        console.writeError("x\n")
        console.write("b\n")
        return .failure
    }
    #expect(output == CommandOutput(exitCode: .failure, output: "ab\n", error: "x\n"))
}

@Test func recorderPassesColorSettingOn() {
    #expect(ConsoleRecorder(isColorEnabled: true).console.isColorEnabled)
    #expect(CommandOutput.capture { console in console.isColorEnabled ? .failure : .success }.exitCode == .success)
}
