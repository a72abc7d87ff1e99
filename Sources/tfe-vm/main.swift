import Foundation
import TFECommands

let code = TfeVM.main(Array(CommandLine.arguments.dropFirst()), console: .standard)
exit(code.rawValue)
