// The TFETestSupport module; see STYLE.md section 1 for what it owns.
