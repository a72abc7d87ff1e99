print("tfec: not built yet")
