import Foundation
print("tfe-bench: not built yet")
