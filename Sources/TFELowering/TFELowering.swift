// The TFELowering module: lowering from the checked program to machine instructions.
