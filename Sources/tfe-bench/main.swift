print("tfe-bench: not built yet")
