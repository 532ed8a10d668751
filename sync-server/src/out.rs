//! The command line's output: a line on stdout, and a quiet exit when whoever reads it has
//! stopped (`aisle-server valuation | head`), instead of a panic on the broken pipe.

/// Prints a line on stdout, as `println!` does.
macro_rules! say {
    ($($t:tt)*) => { $crate::out::line(format_args!($($t)*)) };
}

/// Writes one line; a closed pipe ends the process with success (the reader has what it wanted),
/// any other failure with an error.
pub fn line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(1);
    }
}
