import Foundation
import TFECommands

let code = Tfec.main(Array(CommandLine.arguments.dropFirst()), console: .standard)
exit(code.rawValue)
