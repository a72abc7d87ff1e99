import Foundation
import TFECommands

TfeVM.configureProcess()

let code = TfeVM.main(Array(CommandLine.arguments.dropFirst()), console: .standard)
exit(code.rawValue)
