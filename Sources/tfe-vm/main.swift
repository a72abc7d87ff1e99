import Foundation
import TFECommands
import TFERuntime

MemoryPolicy.keepFreedMemory()

let code = TfeVM.main(Array(CommandLine.arguments.dropFirst()), console: .standard)
exit(code.rawValue)
